using System.Buffers.Binary;

namespace CallMedia.Delivery.Framing;

/// <summary>FLV file header and tag headers (FLV spec v10.1 annex E).</summary>
internal static class FlvFormat
{
    public const int FileHeaderLength = 9 + 4;
    public const int TagHeaderLength = 11;

    /// <summary>"FLV", version 1, audio/video flags, header size 9, then PreviousTagSize0 = 0.</summary>
    public static void WriteFileHeader(Span<byte> span, bool hasAudio, bool hasVideo)
    {
        span[0] = (byte)'F'; span[1] = (byte)'L'; span[2] = (byte)'V';
        span[3] = 1;
        span[4] = (byte)((hasAudio ? 0x04 : 0) | (hasVideo ? 0x01 : 0));
        BinaryPrimitives.WriteUInt32BigEndian(span[5..], 9);
        BinaryPrimitives.WriteUInt32BigEndian(span[9..], 0);
    }

    public static void WriteTagHeader(Span<byte> span, byte tagType, int dataSize, uint timestamp)
    {
        span[0] = tagType;
        span[1] = (byte)(dataSize >> 16); span[2] = (byte)(dataSize >> 8); span[3] = (byte)dataSize;
        span[4] = (byte)(timestamp >> 16); span[5] = (byte)(timestamp >> 8); span[6] = (byte)timestamp;
        span[7] = (byte)(timestamp >> 24);
        span[8] = 0; span[9] = 0; span[10] = 0;
    }
}

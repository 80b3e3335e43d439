using System.Buffers;
using System.Buffers.Binary;
using CallMedia.Delivery.Framing;

namespace CallMedia.Recording;

/// <summary>Appends an FLV file header and whole tags (FLV spec v10.1 annex E) to a buffer, for files the relay writes.</summary>
internal static class FlvTags
{
    /// <summary>"FLV", version 1, the audio/video flags, then PreviousTagSize0.</summary>
    public static void AppendFileHeader(IBufferWriter<byte> buffer, bool hasAudio, bool hasVideo)
    {
        // Flags 0 would say "neither"; libavformat then probes for both anyway, so say both when nothing is known.
        if (!hasAudio && !hasVideo)
            hasAudio = hasVideo = true;
        FlvFormat.WriteFileHeader(buffer.GetSpan(FlvFormat.FileHeaderLength), hasAudio, hasVideo);
        buffer.Advance(FlvFormat.FileHeaderLength);
    }

    /// <summary>One tag: the 11-byte header, the body as published, then its PreviousTagSize. Returns the bytes appended.</summary>
    public static int AppendTag(IBufferWriter<byte> buffer, byte tagType, uint timestamp, ReadOnlySpan<byte> body)
    {
        FlvFormat.WriteTagHeader(buffer.GetSpan(FlvFormat.TagHeaderLength), tagType, body.Length, timestamp);
        buffer.Advance(FlvFormat.TagHeaderLength);
        buffer.Write(body);
        BinaryPrimitives.WriteUInt32BigEndian(buffer.GetSpan(4), (uint)(body.Length + FlvFormat.TagHeaderLength));
        buffer.Advance(4);
        return FlvFormat.TagHeaderLength + body.Length + 4;
    }
}

namespace CallService.Evidence.Snapshots;

/// <summary>
/// Counts the coded video frames in an FLV (Adobe FLV file format: 9-byte header, then tags of type 9 = video with an
/// 11-byte header; AVC packet type 1 = frames, 0 = sequence header; enhanced RTMP: <c>IsExHeader</c> bit, packet
/// types 1 and 3 = coded frames). A snapshot then encodes only the last few decoded pictures, not the whole GOP.
/// </summary>
internal static class FlvVideoFrames
{
    public static int Count(ReadOnlySpan<byte> flv)
    {
        if (flv.Length < 13 || flv[0] != (byte)'F' || flv[1] != (byte)'L' || flv[2] != (byte)'V') return 0;
        var offset = (flv[5] << 24 | flv[6] << 16 | flv[7] << 8 | flv[8]) + 4;
        var frames = 0;
        while (offset + 11 <= flv.Length)
        {
            var type = flv[offset] & 0x1F;
            var size = flv[offset + 1] << 16 | flv[offset + 2] << 8 | flv[offset + 3];
            var data = offset + 11;
            if (data + size > flv.Length) break;
            if (type == 9 && size >= 2 && IsCodedFrame(flv[data], flv[data + 1])) frames++;
            offset = data + size + 4;
        }
        return frames;
    }

    private static bool IsCodedFrame(byte first, byte second)
    {
        if ((first & 0x80) != 0) return (first & 0x0F) is 1 or 3; // enhanced RTMP: CodedFrames, CodedFramesX
        if ((first >> 4) == 5) return false;                       // video info/command frame
        return (first & 0x0F) is not (7 or 12 or 13) || second == 1; // AVC/HEVC/AV1-style: packet type 1 = NALUs
    }
}

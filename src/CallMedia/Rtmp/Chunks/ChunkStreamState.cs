using CallMedia.Media;

namespace CallMedia.Rtmp.Chunks;

/// <summary>The last header seen on one chunk stream id, and the message being reassembled on it.</summary>
internal sealed class ChunkStreamState
{
    public bool HasHeader;
    public uint Timestamp;
    /// <summary>The last timestamp field (absolute after fmt 0, delta after fmt 1/2), as FFmpeg/librtmp keep it.</summary>
    public uint TimestampField;
    public int Length;
    public RtmpMessageType Type;
    public uint StreamId;
    /// <summary>True when the last fmt 0/1/2 header used an extended timestamp (field 0xFFFFFF).</summary>
    public bool Extended;
    public MediaBuffer? Partial;
    public int Received;

    public void DiscardPartial()
    {
        Partial?.Release();
        Partial = null;
        Received = 0;
    }
}

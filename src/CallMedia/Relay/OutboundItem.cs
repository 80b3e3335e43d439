using CallMedia.Media;
using CallMedia.Rtmp.Chunks;

namespace CallMedia.Relay;

/// <summary>
/// One message waiting in a connection's outbound queue. Control items (RTMP protocol control, command
/// replies, status) are never dropped and do not count as media time. The item owns one payload reference.
/// </summary>
internal readonly record struct OutboundItem(
    bool IsControl, RtmpMessageType Type, int ChunkStreamId, uint StreamId, uint Timestamp, FrameClass Class, MediaBuffer Payload, long EnqueuedAt)
{
    public static OutboundItem Control(RtmpMessageType type, int csid, ReadOnlySpan<byte> payload, uint streamId = 0, uint timestamp = 0) =>
        new(true, type, csid, streamId, timestamp, FrameClass.Data, MediaBuffer.CopyOf(payload), Environment.TickCount64);
}

/// <summary>Counters of one viewer (issue 4 §2). Updated under the queue lock, read without it.</summary>
internal sealed class ViewerCounters
{
    public long AudioSent;
    public long AudioDropped;
    public long VideoSent;
    public long VideoDropped;
    public long BytesSent;
    public int QueueMs;
    public int MaxQueueMs;
}

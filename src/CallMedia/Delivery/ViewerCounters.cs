namespace CallMedia.Delivery;

/// <summary>Counters of one viewer (stats events). Updated under the queue lock, read without it.</summary>
internal sealed class ViewerCounters
{
    public long AudioSent;
    public long AudioDropped;
    public long VideoSent;
    public long VideoDropped;
    public long BytesSent;
    /// <summary>How far behind live the newest offered message was, ms.</summary>
    public int QueueMs;
    public int MaxQueueMs;
    /// <summary>Bytes written to the connection, framing included (RTMP chunk headers, FLV tag headers).</summary>
    public long BytesWritten;
    /// <summary>Largest <see cref="QueueMs"/> since the relay's metrics last sampled it; -1 when nothing was offered since.</summary>
    public int WindowMaxQueueMs = -1;
}

using CallMedia.Hosting;

namespace CallMedia.Relay;

/// <summary>The drop thresholds of a viewer queue, in media milliseconds and bytes.</summary>
internal readonly record struct QueueLimits(int DisposableMs, int InterMs, int KeyMs, int HardMs, int MaxBytes)
{
    public static QueueLimits From(MediaOptions o) =>
        new(o.ViewerQueueMs / 2, o.ViewerQueueMs * 3 / 4, o.ViewerQueueMs, o.ViewerHardLimitMs, o.ViewerQueueBytes);

    /// <summary>No media bound (publisher-only connections: only control items are queued).</summary>
    public static QueueLimits Unbounded => new(int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue);
}

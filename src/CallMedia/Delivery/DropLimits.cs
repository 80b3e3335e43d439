using CallMedia.Hosting;

namespace CallMedia.Delivery;

/// <summary>The drop thresholds of a viewer queue, in media milliseconds and bytes.</summary>
/// <param name="DisposableMs">Backlog past which disposable frames are dropped (half of <c>ViewerQueueMs</c>).</param>
/// <param name="InterMs">Backlog past which inter frames are dropped (three quarters of <c>ViewerQueueMs</c>).</param>
/// <param name="KeyMs">Backlog past which key frames are dropped (<c>ViewerQueueMs</c>).</param>
/// <param name="HardMs">Backlog at which the viewer is disconnected as too slow (<c>ViewerHardLimitMs</c>).</param>
/// <param name="MaxBytes">Queued bytes past which video is dropped (<c>ViewerQueueBytes</c>; twice that disconnects).</param>
internal readonly record struct DropLimits(int DisposableMs, int InterMs, int KeyMs, int HardMs, int MaxBytes)
{
    public static DropLimits From(MediaOptions o) =>
        new(o.ViewerQueueMs / 2, o.ViewerQueueMs * 3 / 4, o.ViewerQueueMs, o.ViewerHardLimitMs, o.ViewerQueueBytes);
}

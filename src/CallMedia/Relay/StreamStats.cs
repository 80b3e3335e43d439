using CallMedia.Access;
using CallMedia.Media;

namespace CallMedia.Relay;

/// <summary>Per-viewer counters: messages sent and dropped by kind, bytes, queue delay (ms, now and the most).</summary>
internal sealed record ViewerStats(
    long ViewerId, MediaTransport Transport, string? Remote, DateTimeOffset StartedAt,
    long AudioSent, long AudioDropped, long VideoSent, long VideoDropped, long BytesSent, int QueueMs, int MaxQueueMs);

/// <summary>
/// Per-stream statistics: bitrates over the last 5 s, the video frame rate of those seconds by the stream's timestamps,
/// codec info from the sequence headers.
/// </summary>
internal sealed record StreamStats(
    string StreamName, bool Live, long? PublisherSessionId, string? PublisherAddress,
    VideoCodecInfo? Video, AudioCodecInfo? Audio, double VideoFps, int KeyFrameIntervalMs,
    int AudioKbps, int VideoKbps, IReadOnlyList<ViewerStats> Viewers);

using CallMedia.Access;
using CallMedia.Media;

namespace CallMedia.Relay;

/// <summary>Per-viewer counters (issue 4 §2).</summary>
internal sealed record ViewerStats(
    long ViewerId, MediaTransport Transport, string? Remote, DateTimeOffset StartedAt,
    long AudioSent, long AudioDropped, long VideoSent, long VideoDropped, long BytesSent, int QueueMs, int MaxQueueMs);

/// <summary>Per-stream statistics: bitrates and fps over the last 5 s, codec info from the sequence headers.</summary>
internal sealed record StreamStats(
    string StreamName, bool Live, long? PublisherSessionId, string? PublisherAddress,
    VideoCodecInfo? Video, AudioCodecInfo? Audio, double VideoFps, int KeyFrameIntervalMs,
    int AudioKbps, int VideoKbps, IReadOnlyList<ViewerStats> Viewers);

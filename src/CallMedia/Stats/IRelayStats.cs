namespace CallMedia.Hosting;

/// <summary>
/// Live statistics of the relay's streams, for the coordinator's media endpoint and call quality. Asynchronous because the
/// relay may run in another process (<c>Media:Mode=process</c>); in-process it completes at once.
/// </summary>
public interface IRelayStats
{
    /// <summary>Statistics of <paramref name="streamName"/>, or null when the relay has no such stream.</summary>
    ValueTask<MediaStreamStats?> GetStreamAsync(string streamName, CancellationToken cancellationToken = default);
}

/// <summary>Statistics of one stream. Bitrates and fps are averages over the last 5 s.</summary>
/// <param name="StreamName">Stream name.</param>
/// <param name="Live">True while a publisher is attached.</param>
/// <param name="PublisherAddress">Publisher's remote address, when live.</param>
/// <param name="VideoCodec">Video codec (<c>avc</c>, or an enhanced-RTMP FourCC), from the sequence header.</param>
/// <param name="VideoProfile">H.264 profile_idc (66 baseline, 77 main, 100 high); 0 when unknown.</param>
/// <param name="VideoLevel">H.264 level_idc (e.g. 31 = 3.1); 0 when unknown.</param>
/// <param name="Width">Picture width in pixels from the SPS; 0 when unknown.</param>
/// <param name="Height">Picture height in pixels from the SPS; 0 when unknown.</param>
/// <param name="AudioCodec">Audio codec (<c>aac</c>, …).</param>
/// <param name="AudioSampleRate">AAC sample rate in Hz; 0 when unknown.</param>
/// <param name="AudioChannels">AAC channel configuration; 0 when unknown.</param>
/// <param name="VideoFps">Video frames per second over the last 5 s, by the stream's timestamps.</param>
/// <param name="KeyFrameIntervalMs">Milliseconds between the last two key frames (stream timestamps).</param>
/// <param name="AudioKbps">Audio bitrate over the last 5 s (the seconds the window covers), kbit/s.</param>
/// <param name="VideoKbps">Video bitrate over the same seconds, kbit/s.</param>
/// <param name="Viewers">Per-viewer counters.</param>
public sealed record MediaStreamStats(
    string StreamName, bool Live, string? PublisherAddress,
    string? VideoCodec, int VideoProfile, int VideoLevel, int Width, int Height,
    string? AudioCodec, int AudioSampleRate, int AudioChannels,
    double VideoFps, int KeyFrameIntervalMs, int AudioKbps, int VideoKbps,
    IReadOnlyList<MediaViewerStats> Viewers);

/// <summary>Counters of one viewer.</summary>
/// <param name="ViewerId">Relay-unique viewer id (as in <see cref="Events.PlayStarted"/>).</param>
/// <param name="Transport">RTMP or HTTP-FLV.</param>
/// <param name="AudioSent">Audio messages handed to the connection.</param>
/// <param name="AudioDropped">Audio messages dropped (only at the hard bound).</param>
/// <param name="VideoSent">Video messages handed to the connection.</param>
/// <param name="VideoDropped">Video messages dropped by the priority policy.</param>
/// <param name="BytesSent">Payload bytes handed to the connection.</param>
/// <param name="QueueMs">Queue length in media milliseconds at the last message (including unsent kernel bytes).</param>
/// <param name="MaxQueueMs">Largest <paramref name="QueueMs"/> seen.</param>
public sealed record MediaViewerStats(
    long ViewerId, Access.MediaTransport Transport, long AudioSent, long AudioDropped, long VideoSent, long VideoDropped,
    long BytesSent, int QueueMs, int MaxQueueMs);

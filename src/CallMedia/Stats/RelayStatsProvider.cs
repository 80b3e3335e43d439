using CallMedia.Relay;

namespace CallMedia.Hosting;

/// <summary>Maps the hub's internal stream statistics to the public <see cref="MediaStreamStats"/>.</summary>
internal sealed class RelayStatsProvider(StreamHub hub) : IRelayStats
{
    public ValueTask<MediaStreamStats?> GetStreamAsync(string streamName, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(GetStream(streamName));

    /// <summary>Statistics of <paramref name="streamName"/> now; null when the relay has no such stream.</summary>
    public MediaStreamStats? GetStream(string streamName)
    {
        var stream = hub.Find(streamName);
        return stream is null ? null : ToPublic(stream.GetStats());
    }

    internal static MediaStreamStats ToPublic(StreamStats s)
    {
        return new MediaStreamStats(s.StreamName, s.Live, s.PublisherAddress,
            s.Video?.Codec, s.Video?.Profile ?? 0, s.Video?.Level ?? 0, s.Video?.Width ?? 0, s.Video?.Height ?? 0,
            s.Audio?.Codec, s.Audio?.SampleRate ?? 0, s.Audio?.Channels ?? 0,
            s.VideoFps, s.KeyFrameIntervalMs, s.AudioKbps, s.VideoKbps,
            s.Viewers.Select(v => new MediaViewerStats(v.ViewerId, v.Transport, v.AudioSent, v.AudioDropped,
                v.VideoSent, v.VideoDropped, v.BytesSent, v.QueueMs, v.MaxQueueMs)).ToArray());
    }
}

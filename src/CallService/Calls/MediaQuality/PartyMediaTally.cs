using CallContracts.Calls;

namespace CallService.Calls.MediaQuality;

/// <summary>One relay statistics report of a party's stream, reduced to what call quality keeps.</summary>
/// <param name="VideoKbps">Video bitrate, 5 s average.</param>
/// <param name="AudioKbps">Audio bitrate, 5 s average.</param>
/// <param name="Fps">Video fps.</param>
/// <param name="Width">Picture width, 0 when unknown.</param>
/// <param name="Height">Picture height, 0 when unknown.</param>
/// <param name="ViewerDrops">Per viewer id: cumulative (audio, video) messages dropped on that viewer's connection.</param>
internal sealed record MediaSample(
    int VideoKbps, int AudioKbps, double Fps, int Width, int Height,
    IReadOnlyList<(long ViewerId, long AudioDropped, long VideoDropped)> ViewerDrops);

/// <summary>
/// Accumulates the relay's view of one party's stream into its call quality (<see cref="PartyMediaQuality"/>). Lives on
/// <see cref="CallParty"/>; changed only through <see cref="Call"/> (which bumps the call's version), under the call's gate.
/// </summary>
internal sealed class PartyMediaTally
{
    // Viewer counters are cumulative per connection: remember the last value per viewer and add the deltas, so
    // a reconnecting player (new viewer id) neither loses nor double-counts drops.
    private Dictionary<long, (long Audio, long Video)>? _viewerSeen; // created by the first report with viewers
    private PartyMediaQuality? _quality;

    /// <summary>The accumulated quality, or null when the relay reported nothing about this stream yet.</summary>
    public PartyMediaQuality? Quality => _quality;

    public void Restore(PartyMediaQuality? quality) => _quality = quality;

    public void Observe(MediaSample sample)
    {
        var q = _quality ?? Empty;
        long audioDropped = q.ViewerAudioDropped, videoDropped = q.ViewerVideoDropped;
        foreach (var (id, audio, video) in sample.ViewerDrops)
        {
            var seen = _viewerSeen?.GetValueOrDefault(id) ?? default;
            audioDropped += Math.Max(0, audio - seen.Audio);
            videoDropped += Math.Max(0, video - seen.Video);
            (_viewerSeen ??= [])[id] = (Math.Max(audio, seen.Audio), Math.Max(video, seen.Video));
        }
        _quality = q with
        {
            Samples = q.Samples + 1,
            LastVideoKbps = sample.VideoKbps, PeakVideoKbps = Math.Max(q.PeakVideoKbps, sample.VideoKbps),
            LastAudioKbps = sample.AudioKbps, PeakAudioKbps = Math.Max(q.PeakAudioKbps, sample.AudioKbps),
            LastFps = Math.Round(sample.Fps, 2),
            Width = sample.Width != 0 ? sample.Width : q.Width, Height = sample.Height != 0 ? sample.Height : q.Height,
            ViewerAudioDropped = audioDropped, ViewerVideoDropped = videoDropped,
        };
    }

    /// <summary>The call ended and is written: the per-viewer counters are no longer needed (<see cref="Quality"/> stays).</summary>
    public void Freeze() => _viewerSeen = null;

    public void CountStall() => _quality = (_quality ?? Empty) with { Stalls = (_quality?.Stalls ?? 0) + 1 };

    public void CountProfileExceeded() =>
        _quality = (_quality ?? Empty) with { ProfileExceeded = (_quality?.ProfileExceeded ?? 0) + 1 };

    private static readonly PartyMediaQuality Empty = new(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}

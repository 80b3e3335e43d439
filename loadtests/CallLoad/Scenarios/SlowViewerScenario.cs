using CallLoad.Measuring;
using CallLoad.Targets;
using RtmpTestClient.Flv;
using RtmpTestClient.Http;
using RtmpTestClient.Recording;
using RtmpTestClient.Rtmp;

namespace CallLoad.Scenarios;

/// <summary>Settings of <c>slow-viewer</c>.</summary>
public sealed record SlowViewerOptions
{
    /// <summary>How long both viewers watch.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);
    /// <summary>The capped viewer's link as a fraction of the stream's bit rate.</summary>
    public double LinkFraction { get; init; } = 0.25;
    /// <summary>
    /// After the window, viewers keep reading this long (publisher still live) before counting, so a message sent
    /// late in the window that arrives within a bounded latency still counts as delivered. Default 3 s (the
    /// relay's hard bound); a viewer that lags more than this has effectively lost those messages.
    /// </summary>
    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>The capped viewer's SO_RCVBUF.</summary>
    public int ReceiveBufferBytes { get; init; } = 8 * 1024;
}

/// <summary>What one viewer of the slow-viewer scenario got.</summary>
public sealed record ViewerDelivery
{
    /// <summary>Received / sent audio messages in the window.</summary>
    public double AudioDelivered { get; init; }
    /// <summary>Received / sent video messages in the window.</summary>
    public double VideoDelivered { get; init; }
    /// <summary>Latency of everything received, ms.</summary>
    public Summary Latency { get; init; } = Summary.Empty;
    /// <summary>Latency of audio only, ms (the DESIGN §5 bound: video on a capped link waits for key frames).</summary>
    public Summary AudioLatency { get; init; } = Summary.Empty;
    /// <summary>Video gaps (dropped frames) seen.</summary>
    public int VideoGaps { get; init; }
    /// <summary>Gaps after which video resumed on a non-keyframe (should be 0).</summary>
    public int ResumedOnNonKeyframe { get; init; }
    /// <summary>Whether the server closed this viewer.</summary>
    public bool Disconnected { get; init; }
    /// <summary>Latency per second of the run.</summary>
    public List<LatencyBucket> OverTime { get; init; } = [];
}

/// <summary>Result of <c>slow-viewer</c>.</summary>
public sealed record SlowViewerResult
{
    /// <summary>Target name.</summary>
    public required string Target { get; init; }
    /// <summary>The cap, bytes/s.</summary>
    public long CapBytesPerSecond { get; init; }
    /// <summary>The capped viewer (RTMP).</summary>
    public ViewerDelivery Capped { get; init; } = new();
    /// <summary>
    /// A second capped viewer on the stream's HTTP-FLV play URL, the same cap and <c>SO_RCVBUF</c>; null where the target
    /// serves no HTTP-FLV (nginx-rtmp: Debian's <c>libnginx-mod-rtmp</c> has none).
    /// </summary>
    public ViewerDelivery? CappedFlv { get; init; }
    /// <summary>The normal viewer of the same stream at the same time.</summary>
    public ViewerDelivery Normal { get; init; } = new();
    /// <summary>Setup or run failures.</summary>
    public List<string> Errors { get; init; } = [];

    /// <summary>The viewers by name for reports: <c>capped</c> (RTMP), <c>capped HTTP-FLV</c> where there is one, <c>normal</c>.</summary>
    public IEnumerable<(string Name, ViewerDelivery Delivery)> Viewers()
    {
        yield return ("capped", Capped);
        if (CappedFlv is { } flv)
            yield return ("capped HTTP-FLV", flv);
        yield return ("normal", Normal);
    }
}

/// <summary>
/// One stream with a normal viewer and viewers on a link capped at a quarter of the bit rate (small SO_RCVBUF + read
/// rate cap): one over RTMP and, where the target serves it, one over HTTP-FLV (which cannot split a tag, so its
/// video waits for room for a whole frame). Shows the drop policy: audio delivery, bounded latency, keyframe resumes,
/// and whether the normal viewer was affected.
/// </summary>
public static class SlowViewerScenario
{
    /// <summary>Runs once on <paramref name="target"/>.</summary>
    public static async Task<SlowViewerResult> RunAsync(
        ITarget target, FlvFile file, SlowViewerOptions options, RunStatus status, CancellationToken cancellationToken)
    {
        status.Reset($"{target.Name} slow-viewer: starting");
        var cap = (long)(file.BitsPerSecond / 8 * options.LinkFraction);
        MediaRig? rig = null;
        try
        {
            rig = await MediaRig.StartAsync(target, file, 1, viewers: false, status, cancellationToken).ConfigureAwait(false);
            var stream = rig.Streams[0];
            var start = MediaRig.Now;
            var normal = await RtmpPlayer.StartAsync(stream.Urls.PlayUrl, cancellationToken: cancellationToken).ConfigureAwait(false);
            stream.Players.Add(normal);
            var capped = await RtmpPlayer.StartAsync(stream.Urls.PlayUrl,
                new RtmpConnectionOptions { ReceiveBufferSize = options.ReceiveBufferBytes, MaxReadBytesPerSecond = cap },
                cancellationToken).ConfigureAwait(false);
            stream.Players.Add(capped);
            HttpFlvPlayer? cappedFlv = null;
            if (stream.Urls.PlayFlvUrl is { } flvUrl)
            {
                cappedFlv = await HttpFlvPlayer.StartAsync(flvUrl,
                    new HttpFlvPlayerOptions { ReceiveBufferSize = options.ReceiveBufferBytes, MaxReadBytesPerSecond = cap },
                    cancellationToken).ConfigureAwait(false);
                stream.Players.Add(cappedFlv);
                if (!cappedFlv.IsSuccess)
                    throw new InvalidOperationException($"HTTP-FLV play answered {(int)cappedFlv.StatusCode}.");
            }

            status.Phase = $"{target.Name} slow-viewer: capped at {cap * 8 / 1000} kbit/s";
            var end = DateTime.UtcNow + options.Duration;
            while (DateTime.UtcNow < end)
            {
                await Task.Delay(500, cancellationToken).ConfigureAwait(false);
                status.Set("normal received", normal.Recorder.Count);
                status.Set("capped received", capped.Recorder.Count);
                if (cappedFlv is not null)
                    status.Set("capped HTTP-FLV received", cappedFlv.Recorder.Count);
            }
            var windowEnd = MediaRig.Now;
            status.Phase = $"{target.Name} slow-viewer: drain {options.Drain.TotalSeconds:F0} s";
            await Task.Delay(options.Drain, cancellationToken).ConfigureAwait(false);
            var sent = stream.Publisher.SentMessages();
            // The window starts at the first keyframe both viewers could have started from.
            var windowStart = start + MediaRig.Ticks(TimeSpan.FromSeconds(2.5));
            return new SlowViewerResult
            {
                Target = target.Name,
                CapBytesPerSecond = cap,
                Capped = Deliveries(sent, capped, start, windowStart, windowEnd),
                CappedFlv = cappedFlv is null ? null : Deliveries(sent, cappedFlv, start, windowStart, windowEnd),
                Normal = Deliveries(sent, normal, start, windowStart, windowEnd),
            };
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new SlowViewerResult { Target = target.Name, CapBytesPerSecond = cap, Errors = [ex.Message] };
        }
        finally
        {
            if (rig is not null)
                await rig.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static ViewerDelivery Deliveries(
        IReadOnlyDictionary<MessageKey, SentMessage> sent, IMediaPlayer player, long origin, long windowStart, long windowEnd)
    {
        var received = player.Recorder.Snapshot();
        var inWindow = sent.Where(kv => kv.Value.SentTicks >= windowStart && kv.Value.SentTicks <= windowEnd).ToList();
        var keys = received.Select(m => new MessageKey(m.Kind, m.Timestamp)).ToHashSet();
        double Ratio(MediaKind kind)
        {
            var expected = inWindow.Where(kv => kv.Key.Kind == kind).ToList();
            return expected.Count == 0 ? 0 : Math.Round(expected.Count(kv => keys.Contains(kv.Key)) / (double)expected.Count, 4);
        }
        var match = LatencyMatcher.Match(sent, received);
        var (gaps, bad) = DeliveryAnalysis.VideoResumes(sent, received);
        return new ViewerDelivery
        {
            AudioDelivered = Ratio(MediaKind.Audio),
            VideoDelivered = Ratio(MediaKind.Video),
            Latency = Summary.Of([.. match.AudioLatencyMs, .. match.VideoLatencyMs]),
            AudioLatency = Summary.Of(match.AudioLatencyMs),
            VideoGaps = gaps,
            ResumedOnNonKeyframe = bad,
            Disconnected = player.Closed.IsCompleted,
            OverTime = DeliveryAnalysis.LatencyOverTime(sent, received, origin),
        };
    }
}

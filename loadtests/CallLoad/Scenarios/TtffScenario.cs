using System.Diagnostics;
using CallLoad.Measuring;
using CallLoad.Targets;
using RtmpTestClient.Flv;
using RtmpTestClient.Rtmp;

namespace CallLoad.Scenarios;

/// <summary>Settings of <c>ttff</c>.</summary>
public sealed record TtffOptions
{
    /// <summary>Calls whose streams viewers join.</summary>
    public int Calls { get; init; } = 2;
    /// <summary>Number of joins.</summary>
    public int Joins { get; init; } = 20;
    /// <summary>Give up on one join after this long.</summary>
    public TimeSpan JoinTimeout { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>Seed for the random pauses between joins (so joins land at every phase of the GOP).</summary>
    public int Seed { get; init; } = 5;
    /// <summary>The relay's <c>Media:MaxStartLatencyMs</c> (default 500): joins while the latest keyframe is younger must start at once.</summary>
    public int MaxStartLatencyMs { get; init; } = 500;
}

/// <summary>Result of <c>ttff</c>.</summary>
public sealed record TtffResult
{
    /// <summary>Target name.</summary>
    public required string Target { get; init; }
    /// <summary>Time from the play request to the first decodable video frame (keyframe), ms.</summary>
    public Summary FirstFrameMs { get; init; } = Summary.Empty;
    /// <summary>Time from the play request to the first audio or video message that is not a sequence header, ms.</summary>
    public Summary FirstMediaMs { get; init; } = Summary.Empty;
    /// <summary>
    /// Time to first frame of the joins that arrived while the latest keyframe was younger than
    /// <see cref="TtffOptions.MaxStartLatencyMs"/> (DESIGN §5: these must start at once, p95 ≤ 150 ms), ms.
    /// </summary>
    public Summary YoungKeyframeFirstFrameMs { get; init; } = Summary.Empty;
    /// <summary>Joins whose first frame was the keyframe already sent when they joined (served from the latest GOP).</summary>
    public int StartedFromLatestKeyframe { get; init; }
    /// <summary>Joins whose first frame came later than the next keyframe + 50 ms (DESIGN §5 bound).</summary>
    public int LaterThanNextKeyframe { get; init; }
    /// <summary>Joins that got no frame within the timeout.</summary>
    public int TimedOut { get; init; }
    /// <summary>Setup or run failures.</summary>
    public List<string> Errors { get; init; } = [];
}

/// <summary>Viewers join live streams at random GOP phases; time to first decodable frame.</summary>
public static class TtffScenario
{
    /// <summary>Runs once on <paramref name="target"/>.</summary>
    public static async Task<TtffResult> RunAsync(
        ITarget target, FlvFile file, TtffOptions options, RunStatus status, CancellationToken cancellationToken)
    {
        status.Reset($"{target.Name} ttff: starting");
        var random = new Random(options.Seed);
        var firstFrame = new List<double>();
        var firstMedia = new List<double>();
        var youngKeyframeFirstFrame = new List<double>();
        int fromLatest = 0, late = 0, timedOut = 0;
        var errors = new List<string>();
        MediaRig? rig = null;
        try
        {
            rig = await MediaRig.StartAsync(target, file, options.Calls, viewers: false, status, cancellationToken).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(2.5), cancellationToken).ConfigureAwait(false);
            for (var join = 0; join < options.Joins; join++)
            {
                status.Phase = $"{target.Name} ttff: join {join + 1}/{options.Joins}";
                var stream = rig.Streams[join % rig.Streams.Count];
                await using var player = await RtmpPlayer.StartAsync(stream.Urls.PlayUrl, cancellationToken: cancellationToken).ConfigureAwait(false);
                var deadline = DateTime.UtcNow + options.JoinTimeout;
                while (DateTime.UtcNow < deadline && !player.Recorder.Snapshot().Any(IsFrame))
                    await Task.Delay(5, cancellationToken).ConfigureAwait(false);
                var received = player.Recorder.Snapshot();
                var frame = received.FirstOrDefault(IsFrame);
                if (frame == default)
                {
                    timedOut++;
                    errors.Add($"join {join + 1}: no keyframe in {options.JoinTimeout.TotalSeconds:F0} s; status [{string.Join(", ", player.StatusCodes)}]; " +
                               $"got {received.Count(m => m.Kind == MediaKind.Audio)} audio, {received.Count(m => m.Kind == MediaKind.Video)} video " +
                               $"({received.Count(m => m.IsSequenceHeader)} sequence headers, {received.Count(m => m.IsKeyframe)} keyframes), " +
                               $"{received.Count(m => m.Kind == MediaKind.Script)} data; closed: {(player.Closed.IsCompleted ? player.Closed.Result?.Message ?? "by the server" : "no")}");
                    continue;
                }
                firstFrame.Add(Ms(frame.ArrivalTicks - player.RequestedTicks));
                var media = received.First(m => m.Kind is MediaKind.Audio or MediaKind.Video && !m.IsSequenceHeader);
                firstMedia.Add(Ms(media.ArrivalTicks - player.RequestedTicks));

                var keyframes = stream.Publisher.SentMessages().Values.Where(m => m.IsKeyframe).OrderBy(m => m.SentTicks).ToList();
                var latestBefore = keyframes.LastOrDefault(k => k.SentTicks <= player.RequestedTicks);
                var nextAfter = keyframes.FirstOrDefault(k => k.SentTicks > player.RequestedTicks);
                if (latestBefore != default && frame.Timestamp == latestBefore.Timestamp)
                    fromLatest++;
                if (latestBefore != default &&
                    player.RequestedTicks - latestBefore.SentTicks < MediaRig.Ticks(TimeSpan.FromMilliseconds(options.MaxStartLatencyMs)))
                    youngKeyframeFirstFrame.Add(firstFrame[^1]);
                if (nextAfter != default && frame.ArrivalTicks > nextAfter.SentTicks + MediaRig.Ticks(TimeSpan.FromMilliseconds(50)))
                    late++;
                status.Set("joins", join + 1);
                status.Set("last ttff ms", Math.Round(firstFrame[^1], 1));
                await Task.Delay(random.Next(150, 900), cancellationToken).ConfigureAwait(false);
            }
            return new TtffResult
            {
                Target = target.Name,
                FirstFrameMs = Summary.Of(firstFrame),
                FirstMediaMs = Summary.Of(firstMedia),
                YoungKeyframeFirstFrameMs = Summary.Of(youngKeyframeFirstFrame),
                StartedFromLatestKeyframe = fromLatest,
                LaterThanNextKeyframe = late,
                TimedOut = timedOut,
                Errors = errors,
            };
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new TtffResult { Target = target.Name, Errors = [ex.Message] };
        }
        finally
        {
            if (rig is not null)
                await rig.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static bool IsFrame(RtmpTestClient.Recording.ReceivedMessage m) =>
        m.Kind == MediaKind.Video && m.IsKeyframe && !m.IsSequenceHeader;

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}

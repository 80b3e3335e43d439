using CallLoad.Measuring;
using CallLoad.Targets;
using RtmpTestClient.Flv;

namespace CallLoad.Scenarios;

/// <summary>Settings of <c>relay-latency</c>.</summary>
public sealed record RelayLatencyOptions
{
    /// <summary>Concurrent 1:1 calls (2 publishers + 2 viewers each).</summary>
    public int Calls { get; init; } = 10;

    /// <summary>Measuring time after warm-up.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Time before measuring, longer than a keyframe interval so every viewer has started.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How the viewers play (RTMP by default; HTTP-FLV for our relay).</summary>
    public ViewerProtocol Viewer { get; init; } = ViewerProtocol.Rtmp;

    /// <summary>Messages sent in this last part of the window are not counted (may still be in flight).</summary>
    public TimeSpan InFlightGrace { get; init; } = TimeSpan.FromMilliseconds(500);
}

/// <summary>Result of one <c>relay-latency</c> run on one target.</summary>
public sealed record RelayLatencyResult
{
    /// <summary>Target name.</summary>
    public required string Target { get; init; }
    /// <summary>Concurrent calls.</summary>
    public int Calls { get; init; }
    /// <summary>Measured seconds.</summary>
    public double Seconds { get; init; }
    /// <summary>Audio latency, ms.</summary>
    public Summary Audio { get; init; } = Summary.Empty;
    /// <summary>Video latency, ms.</summary>
    public Summary Video { get; init; } = Summary.Empty;
    /// <summary>All media latency, ms.</summary>
    public Summary All { get; init; } = Summary.Empty;
    /// <summary>Messages sent in the window that viewers should have received.</summary>
    public long Expected { get; init; }
    /// <summary>Of those, never received.</summary>
    public long Lost { get; init; }
    /// <summary>Received twice.</summary>
    public long Duplicated { get; init; }
    /// <summary>Received with a lower timestamp than an earlier one of the same kind.</summary>
    public long OutOfOrder { get; init; }
    /// <summary>Received without a published twin.</summary>
    public long Unmatched { get; init; }
    /// <summary>Viewers whose connection closed during the run.</summary>
    public int ViewersClosed { get; init; }
    /// <summary>Megabits delivered to viewers in the window.</summary>
    public double RelayedMbit { get; init; }
    /// <summary>Server CPU seconds in the window.</summary>
    public double CpuSeconds { get; init; }
    /// <summary>Server CPU, % of one core.</summary>
    public double CpuPercent { get; init; }
    /// <summary>Server CPU seconds per relayed (delivered) Mbit.</summary>
    public double CpuSecondsPerMbit { get; init; }
    /// <summary>Peak server RSS, MiB.</summary>
    public double PeakRssMiB { get; init; }
    /// <summary>Setup or run failures.</summary>
    public List<string> Errors { get; init; } = [];
}

/// <summary>
/// N concurrent 1:1 calls for T seconds; every viewer message matched to its published twin by (kind, timestamp).
/// Latency is arrival at the viewer − send by the publisher, both in this process on the same clock.
/// </summary>
public static class RelayLatencyScenario
{
    /// <summary>Runs once on <paramref name="target"/>.</summary>
    public static async Task<RelayLatencyResult> RunAsync(
        ITarget target, FlvFile file, RelayLatencyOptions options, RunStatus status, CancellationToken cancellationToken)
    {
        status.Reset($"{target.Name} relay-latency {options.Calls} calls: starting");
        MediaRig? rig = null;
        try
        {
            rig = await MediaRig.StartAsync(target, file, options.Calls, viewers: true, status, cancellationToken, options.Viewer).ConfigureAwait(false);
            status.Phase = $"{target.Name} relay-latency {options.Calls} calls: warm-up";
            await Task.Delay(options.Warmup, cancellationToken).ConfigureAwait(false);

            status.Phase = $"{target.Name} relay-latency {options.Calls} calls: measuring";
            var windowStart = MediaRig.Now;
            var sampler = ProcessSampler.Start(target.ProcessId);
            var end = DateTime.UtcNow + options.Duration;
            while (DateTime.UtcNow < end)
            {
                await Task.Delay(500, cancellationToken).ConfigureAwait(false);
                status.Set("elapsed s", Math.Round(options.Duration.TotalSeconds - (end - DateTime.UtcNow).TotalSeconds));
                status.Set("messages received", rig.ReceivedCount());
                status.Set("viewers closed", rig.ClosedViewers());
            }
            var windowEnd = MediaRig.Now;
            var (cpu, wall, peak) = sampler is null ? (0, options.Duration.TotalSeconds, 0L) : await sampler.StopAsync().ConfigureAwait(false);
            await Task.Delay(options.InFlightGrace, cancellationToken).ConfigureAwait(false);
            rig.CollectPublisherFailures();
            return Summarise(target.Name, options, rig, windowStart, windowEnd - MediaRig.Ticks(options.InFlightGrace), cpu, wall, peak);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new RelayLatencyResult { Target = target.Name, Calls = options.Calls, Errors = [ex.Message] };
        }
        finally
        {
            if (rig is not null)
                await rig.DisposeAsync().ConfigureAwait(false);
        }
    }

    internal static RelayLatencyResult Summarise(
        string target, RelayLatencyOptions options, MediaRig rig, long windowStart, long windowEnd, double cpu, double wall, long peak)
    {
        var audio = new List<double>();
        var video = new List<double>();
        long expected = 0, lost = 0, duplicated = 0, outOfOrder = 0, unmatched = 0, bytes = 0;
        var measuredEnd = windowEnd + MediaRig.Ticks(options.InFlightGrace);
        foreach (var stream in rig.Streams)
        {
            var sent = stream.Publisher.SentMessages();
            foreach (var player in stream.Players)
            {
                // Everything received so far: a window message that arrived late still counts (with its latency).
                var received = player.Recorder.Snapshot().Where(m => m.ArrivalTicks >= windowStart).ToList();
                var match = LatencyMatcher.Match(sent, received, windowStart, windowEnd);
                audio.AddRange(match.AudioLatencyMs);
                video.AddRange(match.VideoLatencyMs);
                expected += match.Expected;
                lost += match.Lost;
                duplicated += match.Duplicated;
                outOfOrder += match.OutOfOrder;
                unmatched += match.Unmatched;
                bytes += received.Where(m => m.ArrivalTicks <= measuredEnd).Sum(m => (long)m.Size);
            }
        }
        var mbit = bytes * 8 / 1e6; // delivered during the measured seconds
        return new RelayLatencyResult
        {
            Target = target,
            Calls = options.Calls,
            Seconds = Math.Round(wall, 1),
            Audio = Summary.Of(audio),
            Video = Summary.Of(video),
            All = Summary.Of([.. audio, .. video]),
            Expected = expected,
            Lost = lost,
            Duplicated = duplicated,
            OutOfOrder = outOfOrder,
            Unmatched = unmatched,
            ViewersClosed = rig.ClosedViewers(),
            RelayedMbit = Math.Round(mbit, 1),
            CpuSeconds = Math.Round(cpu, 2),
            CpuPercent = wall > 0 ? Math.Round(cpu / wall * 100, 1) : 0,
            CpuSecondsPerMbit = mbit > 0 ? Math.Round(cpu / mbit, 5) : 0,
            PeakRssMiB = Math.Round(peak / 1048576.0, 1),
            Errors = [.. rig.Errors],
        };
    }
}

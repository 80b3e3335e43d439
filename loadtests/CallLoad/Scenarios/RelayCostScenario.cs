using CallLoad.Measuring;
using CallLoad.Targets;
using RtmpTestClient.Flv;

namespace CallLoad.Scenarios;

/// <summary>Which viewers <c>relay-cost</c> starts per stream.</summary>
public enum CostViewers
{
    /// <summary>One RTMP viewer per stream (both targets).</summary>
    Rtmp,
    /// <summary>One HTTP-FLV viewer per stream on CallService; nginx-rtmp (no HTTP-FLV in Debian's module) gets one RTMP viewer.</summary>
    Flv,
    /// <summary>One RTMP and one HTTP-FLV viewer per stream on CallService; two RTMP viewers per stream on nginx-rtmp.</summary>
    Both,
}

/// <summary>Settings of <c>relay-cost</c>.</summary>
public sealed record RelayCostOptions
{
    /// <summary>Concurrent 1:1 calls (2 publishers each).</summary>
    public int Calls { get; init; } = 25;

    /// <summary>Load before any measurement, the same for both targets (JIT, pools and buffers settle).</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Window for CPU, latency and RSS (no tracer attached).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Separate window with <c>strace -c</c> attached; zero skips it.</summary>
    public TimeSpan SyscallWindow { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Viewers per stream.</summary>
    public CostViewers Viewers { get; init; } = CostViewers.Rtmp;

    /// <summary>Rounds: every target is measured once per round, alternating, so a noisy spell hits both alike.</summary>
    public int Rounds { get; init; } = 1;

    /// <summary>Messages sent in this last part of the window are not counted as lost (may still be in flight).</summary>
    public TimeSpan InFlightGrace { get; init; } = TimeSpan.FromMilliseconds(500);
}

/// <summary>Syscalls of one target in the traced window.</summary>
public sealed record SyscallWindowResult
{
    /// <summary>Traced seconds.</summary>
    public double Seconds { get; init; }
    /// <summary>Media messages the viewers received in the traced window.</summary>
    public long DeliveredMessages { get; init; }
    /// <summary>All syscalls of the server in the window.</summary>
    public long Syscalls { get; init; }
    /// <summary><see cref="Syscalls"/> ÷ <see cref="DeliveredMessages"/>.</summary>
    public double PerDeliveredMessage { get; init; }
    /// <summary>The most frequent syscalls (name, calls, errors).</summary>
    public List<SyscallCount> Top { get; init; } = [];
}

/// <summary>The figures of one target in a <c>relay-cost</c> run.</summary>
public sealed record RelayCostTargetResult
{
    /// <summary>Target name.</summary>
    public required string Target { get; init; }
    /// <summary>Latency, loss, delivered Mbit, CPU and peak RSS of the untraced window.</summary>
    public required RelayLatencyResult Window { get; init; }
    /// <summary>Server CPU milliseconds per delivered Mbit.</summary>
    public double CpuMsPerMbit { get; init; }
    /// <summary>Server VmRSS at the end of the untraced window, MiB (steady state under load).</summary>
    public double RssMiB { get; init; }
    /// <summary>Server VmHWM (peak resident set since start), MiB.</summary>
    public double HwmMiB { get; init; }
    /// <summary>Server context switches (all threads) per delivered message, untraced window.</summary>
    public double ContextSwitchesPerMessage { get; init; }
    /// <summary>Syscalls in the traced window (null when skipped or strace is missing).</summary>
    public SyscallWindowResult? Syscalls { get; init; }
    /// <summary>
    /// With CallService's relay in its own process (<c>--relay-mode process</c>), the figures above are the relay
    /// process's and these the coordinator's (the CallService process): VmRSS at the end of the window, MiB, and its
    /// CPU ms per delivered Mbit. Null when the relay runs inside CallService (or for nginx-rtmp).
    /// </summary>
    public double? CoordinatorRssMiB { get; init; }
    /// <summary>The coordinator's CPU ms per delivered Mbit in the window (see <see cref="CoordinatorRssMiB"/>).</summary>
    public double? CoordinatorCpuMsPerMbit { get; init; }
    /// <summary>Setup or measuring failures.</summary>
    public List<string> Errors { get; init; } = [];
}

/// <summary>Result of <c>relay-cost</c>: both targets under the same load, and ours ÷ nginx-rtmp.</summary>
public sealed record RelayCostResult
{
    /// <summary>Concurrent calls.</summary>
    public int Calls { get; init; }
    /// <summary>Viewers per stream.</summary>
    public CostViewers Viewers { get; init; }
    /// <summary>Warm-up seconds before measuring, per target.</summary>
    public double WarmupSeconds { get; init; }
    /// <summary>Rounds run (each target once per round).</summary>
    public int Rounds { get; init; } = 1;
    /// <summary>One entry per target and round, in run order.</summary>
    public List<RelayCostTargetResult> Targets { get; init; } = [];
    /// <summary>Targets that could not be started, with the reason.</summary>
    public Dictionary<string, string> TargetErrors { get; init; } = [];

    /// <summary>
    /// CallService's figure ÷ nginx-rtmp's from the same round; with several rounds, the median of the per-round
    /// ratios (null when no round has both, or nginx-rtmp's figure is zero).
    /// </summary>
    public Dictionary<string, double?> Ratios => new()
    {
        ["cpuPerMbit"] = Ratio(t => t.CpuMsPerMbit),
        ["latencyP50"] = Ratio(t => t.Window.All.P50),
        ["latencyP99"] = Ratio(t => t.Window.All.P99),
        ["rss"] = Ratio(t => t.RssMiB),
        ["syscallsPerMessage"] = Ratio(t => t.Syscalls?.PerDeliveredMessage ?? 0),
        ["contextSwitchesPerMessage"] = Ratio(t => t.ContextSwitchesPerMessage),
    };

    /// <summary>The first entry of <paramref name="target"/> (e.g. <c>callservice</c>), if measured.</summary>
    public RelayCostTargetResult? Of(string target) => Targets.Find(t => t.Target == target);

    /// <summary>The median of <paramref name="figure"/> over the error-free rounds of <paramref name="target"/> (null when none).</summary>
    public double? MedianOf(string target, Func<RelayCostTargetResult, double> figure) =>
        Median([.. Targets.Where(t => t.Target == target && t.Errors.Count == 0).Select(figure)]);

    /// <summary>Column label of entry <paramref name="index"/> of <see cref="Targets"/>: the target, with its round when there are several.</summary>
    public string Label(int index) =>
        Rounds <= 1 ? Targets[index].Target : $"{Targets[index].Target} #{Targets.Take(index + 1).Count(t => t.Target == Targets[index].Target)}";

    private static double? Median(List<double> values)
    {
        if (values.Count == 0)
            return null;
        values.Sort();
        var middle = values.Count / 2;
        return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }

    private double? Ratio(Func<RelayCostTargetResult, double> figure)
    {
        var ours = Targets.Where(t => t.Target == "callservice").ToList();
        var theirs = Targets.Where(t => t.Target == "nginx-rtmp").ToList();
        var ratios = new List<double>();
        for (var i = 0; i < Math.Min(ours.Count, theirs.Count); i++)
        {
            if (figure(theirs[i]) is var t && t > 0)
                ratios.Add(figure(ours[i]) / t);
        }
        return Median(ratios) is { } median ? Math.Round(median, 2) : null;
    }
}

/// <summary>
/// Cost of relaying: N calls (2 publishers, viewers per <see cref="CostViewers"/>) on each target in turn; after the
/// same warm-up, an untraced window (server CPU per delivered Mbit, latency, VmRSS/VmHWM, context switches) and then
/// a separate window with <c>strace -c -f</c> attached (syscalls per delivered message).
/// </summary>
public static class RelayCostScenario
{
    /// <summary>Measures one started target (not disposed here).</summary>
    public static async Task<RelayCostTargetResult> MeasureAsync(
        ITarget target, FlvFile file, RelayCostOptions options, RunStatus status, CancellationToken cancellationToken)
    {
        var name = $"{target.Name} relay-cost {options.Calls} calls";
        status.Reset($"{name}: starting");
        MediaRig? rig = null;
        try
        {
            var nginx = target is NginxTarget; // plain RTMP server: no HTTP-FLV
            var first = options.Viewers == CostViewers.Flv && !nginx ? ViewerProtocol.Flv : ViewerProtocol.Rtmp;
            rig = await MediaRig.StartAsync(target, file, options.Calls, viewers: true, status, cancellationToken, first).ConfigureAwait(false);
            if (options.Viewers == CostViewers.Both)
            {
                foreach (var stream in rig.Streams)
                    stream.Players.Add(await MediaRig.StartViewerAsync(stream.Urls, nginx ? ViewerProtocol.Rtmp : ViewerProtocol.Flv, cancellationToken).ConfigureAwait(false));
            }
            status.Phase = $"{name}: warm-up";
            await Task.Delay(options.Warmup, cancellationToken).ConfigureAwait(false);

            status.Phase = $"{name}: CPU, latency and RSS";
            var pid = target.ProcessId;
            var switchesBefore = pid is { } p0 ? ContextSwitches.Read(p0) : 0;
            var receivedBefore = rig.ReceivedCount();
            var windowStart = MediaRig.Now;
            var sampler = ProcessSampler.Start(pid);
            var coordinatorPid = target is CallServiceTarget { RelayProcessId: not null } service ? service.CoordinatorProcessId : null;
            var coordinatorSampler = ProcessSampler.Start(coordinatorPid);
            await Task.Delay(options.Duration, cancellationToken).ConfigureAwait(false);
            var windowEnd = MediaRig.Now;
            var (cpu, wall, peak) = sampler is null ? (0, options.Duration.TotalSeconds, 0L) : await sampler.StopAsync().ConfigureAwait(false);
            var switches = pid is { } p1 ? ContextSwitches.Read(p1) - switchesBefore : 0;
            var delivered = rig.ReceivedCount() - receivedBefore;
            var memory = pid is { } p2 ? ProcessSampler.Read(p2) : null;
            var coordinatorCpu = coordinatorSampler is null ? (double?)null : (await coordinatorSampler.StopAsync().ConfigureAwait(false)).CpuSeconds;
            var coordinatorMemory = coordinatorPid is { } c ? ProcessSampler.Read(c) : null;
            await Task.Delay(options.InFlightGrace, cancellationToken).ConfigureAwait(false);
            rig.CollectPublisherFailures();
            var window = RelayLatencyScenario.Summarise(target.Name,
                new RelayLatencyOptions { Calls = options.Calls, Duration = options.Duration, InFlightGrace = options.InFlightGrace },
                rig, windowStart, windowEnd - MediaRig.Ticks(options.InFlightGrace), cpu, wall, peak);

            SyscallWindowResult? syscalls = null;
            var errors = new List<string>(window.Errors);
            if (options.SyscallWindow > TimeSpan.Zero && pid is { } p3)
            {
                status.Phase = $"{name}: strace -c";
                try
                {
                    syscalls = await TraceAsync(rig, p3, options.SyscallWindow, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or IOException)
                {
                    errors.Add($"syscall window: {ex.Message}");
                }
            }
            return new RelayCostTargetResult
            {
                Target = target.Name,
                Window = window,
                CpuMsPerMbit = Math.Round(window.CpuSecondsPerMbit * 1000, 2),
                RssMiB = memory is { } m ? Math.Round(m.RssBytes / 1048576.0, 1) : 0,
                HwmMiB = memory is { } h ? Math.Round(h.PeakRssBytes / 1048576.0, 1) : 0,
                ContextSwitchesPerMessage = delivered > 0 ? Math.Round(switches / (double)delivered, 3) : 0,
                Syscalls = syscalls,
                CoordinatorRssMiB = coordinatorMemory is { } cm ? Math.Round(cm.RssBytes / 1048576.0, 1) : null,
                CoordinatorCpuMsPerMbit = coordinatorCpu is { } cc && window.RelayedMbit > 0 ? Math.Round(cc * 1000 / window.RelayedMbit, 2) : null,
                Errors = errors,
            };
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new RelayCostTargetResult { Target = target.Name, Window = new RelayLatencyResult { Target = target.Name }, Errors = [ex.Message] };
        }
        finally
        {
            if (rig is not null)
                await rig.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task<SyscallWindowResult> TraceAsync(MediaRig rig, int pid, TimeSpan window, CancellationToken cancellationToken)
    {
        if (!SyscallCounts.IsInstalled)
            throw new InvalidOperationException("strace is not installed: apt-get install strace");
        var before = rig.ReceivedCount();
        var started = MediaRig.Now;
        var counts = await SyscallCounts.TraceAsync(pid, window, cancellationToken).ConfigureAwait(false);
        var seconds = (MediaRig.Now - started) / (double)System.Diagnostics.Stopwatch.Frequency;
        // strace attaches and detaches thread by thread; the delivered count spans the same start-to-summary interval.
        var delivered = rig.ReceivedCount() - before;
        var total = counts.Sum(c => c.Calls);
        return new SyscallWindowResult
        {
            Seconds = Math.Round(seconds, 1),
            DeliveredMessages = delivered,
            Syscalls = total,
            PerDeliveredMessage = delivered > 0 ? Math.Round(total / (double)delivered, 3) : 0,
            Top = [.. counts.Take(10)],
        };
    }

    /// <summary>Starts each of <paramref name="targets"/> in turn, measures it under the same load, and stops it.</summary>
    public static async Task<RelayCostResult> RunAsync(
        IReadOnlyList<TargetSpec> targets, FlvFile file, RelayCostOptions options, RunStatus status, CancellationToken cancellationToken,
        Action<RelayCostTargetResult>? measured = null)
    {
        var result = new RelayCostResult
        {
            Calls = options.Calls, Viewers = options.Viewers, WarmupSeconds = options.Warmup.TotalSeconds, Rounds = options.Rounds,
        };
        foreach (var spec in Enumerable.Range(0, Math.Max(1, options.Rounds)).SelectMany(_ => targets))
        {
            if (result.TargetErrors.ContainsKey(spec.Kind.ToString()))
                continue;
            ITarget target;
            try
            {
                target = await TargetFactory.CreateAsync(spec).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or TimeoutException or HttpRequestException or ArgumentException)
            {
                result.TargetErrors[spec.Kind.ToString()] = ex.Message;
                continue;
            }
            await using (target.ConfigureAwait(false))
            {
                var one = await MeasureAsync(target, file, options, status, cancellationToken).ConfigureAwait(false);
                result.Targets.Add(one);
                measured?.Invoke(one);
            }
        }
        return result;
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using CallLoad.Measuring;
using CallLoad.Targets;

namespace CallLoad.Scenarios;

/// <summary>
/// Full call lifecycles at a target rate (each lifecycle with its own two users, so the busy rule never fires): both users get tokens and open their WebSocket; the caller creates a
/// ringing call with its token; the callee (told by <c>call.incoming</c>) accepts; each party reports push-begin
/// (1002) and play-begin (2004); the caller hangs up and the callee gets <c>call.ended</c>. Besides the server's
/// figures it measures the generator's own CPU and start lag, and marks a result from a saturated generator.
/// </summary>
public static class SignalingScenario
{
    /// <summary>Runs once against <paramref name="target"/>.</summary>
    public static async Task<SignalingResult> RunAsync(
        ISignalingTarget target, SignalingOptions options, RunStatus status, CancellationToken cancellationToken)
    {
        status.Reset($"{target.Name} signaling at {options.Rate}/s");
        using var http = HttpClientFor(options);
        var warmup = new SignalingRun(http, target, options, "w" + Guid.NewGuid().ToString("N")[..6]);
        for (var i = 0; i < options.WarmupLifecycles; i++)
            await warmup.LifecycleAsync(i, null, cancellationToken).ConfigureAwait(false);
        var run = new SignalingRun(http, target, options, Guid.NewGuid().ToString("N")[..6]);
        status.Phase = $"{target.Name} signaling: setting up {options.PartyPool} party pairs";
        var pool = await PoolAsync(run, options.PartyPool, cancellationToken).ConfigureAwait(false);

        var warmupDuration = options.WarmupDuration < options.Duration ? options.WarmupDuration : options.Duration;
        if (warmupDuration > TimeSpan.Zero)
        {
            status.Phase = $"{target.Name} signaling: warming up";
            var warm = new SignalingRun(http, target, options, "v" + Guid.NewGuid().ToString("N")[..6]);
            var (warmTasks, _, _) = await OpenLoopAsync(warm, options.CappedWarmupRate, warmupDuration, pool,
                null, cancellationToken).ConfigureAwait(false);
            await Task.WhenAll(warmTasks).ConfigureAwait(false);
        }

        status.Phase = $"{target.Name} signaling at {options.Rate}/s";
        var servers = target.ServerProcessIds;
        // A server in this process (the tests' in-process ceiling) is not traced: its collector is the generator's too.
        var gcTraces = servers.Where(pid => pid != Environment.ProcessId).Select(GcPauseTrace.TryStart).OfType<GcPauseTrace>().ToList();
        WindowFigures measured;
        GcPauses gc;
        List<TimelineSlice> slices;
        int skipped;
        List<double> lag;
        try
        {
            var window = MeasuredWindow.Start(servers, target.DatabaseProcessIds);
            var timeline = TimelineRecorder.Start(servers, options.GeneratorCores, options.TimelineSlice, target.DatabaseProcessIds);
            List<Task> tasks;
            (tasks, skipped, lag) = await OpenLoopAsync(run, options.Rate, options.Duration, pool, status, cancellationToken).ConfigureAwait(false);
            await Task.WhenAll(tasks).ConfigureAwait(false);
            measured = await window.StopAsync().ConfigureAwait(false);
            gc = GcPauses.Merge(await Task.WhenAll(gcTraces.Select(t => t.StopAsync())).ConfigureAwait(false));
            slices = await timeline.StopAsync(run.Completions.ToArray()).ConfigureAwait(false);
        }
        finally
        {
            foreach (var trace in gcTraces)
                await trace.DisposeAsync().ConfigureAwait(false);
        }

        var syscalls = new Dictionary<string, double>();
        double syscallTotal = 0;
        if (options.SyscallWindow > TimeSpan.Zero && servers.Count > 0 && SyscallCounts.IsInstalled)
        {
            status.Phase = $"{target.Name} signaling: strace -c -f for {options.SyscallWindow.TotalSeconds:F0} s";
            var traced = new SignalingRun(http, target, options, "t" + Guid.NewGuid().ToString("N")[..6]);
            // The window opens once strace has attached to every server and closes when the traced lifecycles are done.
            var traces = new List<SyscallTrace>();
            List<(string Name, long Calls)> counts;
            try
            {
                foreach (var pid in servers)
                    traces.Add(await SyscallTrace.AttachAsync(pid, cancellationToken).ConfigureAwait(false));
                var (tracedTasks, _, _) = await OpenLoopAsync(traced, options.Rate, options.SyscallWindow, pool, null, cancellationToken).ConfigureAwait(false);
                await Task.WhenAll(tracedTasks).ConfigureAwait(false);
                counts = (await Task.WhenAll(traces.Select(t => t.StopAsync(cancellationToken))).ConfigureAwait(false)).SelectMany(c => c).GroupBy(c => c.Name)
                    .Select(g => (Name: g.Key, Calls: g.Sum(c => c.Calls))).OrderByDescending(g => g.Calls).ToList();
            }
            finally
            {
                foreach (var trace in traces)
                    await trace.DisposeAsync().ConfigureAwait(false);
            }
            var lifecycles = Math.Max(1, traced.Completed);
            syscallTotal = Math.Round(counts.Sum(c => c.Calls) / (double)lifecycles, 1);
            foreach (var (name, calls) in counts.Take(12))
                syscalls[name] = Math.Round(calls / (double)lifecycles, 2);
        }

        await DisposeAsync(pool).ConfigureAwait(false);
        var completed = Math.Max(1, run.Completed); // per-lifecycle figures are 0 when none completed
        double PerLifecycle(double total) => run.Completed == 0 ? 0 : total / completed;
        var errors = run.Errors.ToArray();
        return new SignalingResult
        {
            Target = target.Name,
            Provider = target.Provider,
            Nodes = Math.Max(1, servers.Count),
            TargetRate = options.Rate,
            AchievedRate = Math.Round(run.Completed / measured.WallSeconds, 1),
            Completed = run.Completed,
            Failed = run.Failed + skipped,
            LostEvents = run.LostEvents,
            Lifecycle = Summary.Of(run.Lifecycles.ToArray()),
            Requests = run.Requests.ToDictionary(kv => kv.Key, kv => Summary.Of(kv.Value.ToArray())),
            Events = Summary.Of(run.Events.ToArray()),
            CpuSeconds = Math.Round(measured.ServerCpu, 2),
            CpuMsPerLifecycle = Math.Round(PerLifecycle(measured.ServerCpu * 1000), 3),
            DatabaseCpuSeconds = Math.Round(measured.DatabaseCpu, 2),
            ContextSwitchesPerLifecycle = Math.Round(PerLifecycle(measured.ContextSwitches), 1),
            Gc = gc,
            GcPausedShare = measured.WallSeconds > 0 && gcTraces.Count > 0 ? Math.Round(gc.TotalMs / 1000 / measured.WallSeconds / gcTraces.Count, 4) : 0,
            GcTracedServers = gcTraces.Count,
            PeakRssMiB = Math.Round(measured.PeakRss / 1048576.0, 1),
            RssStartMiB = Math.Round(measured.RssStart / 1048576.0, 1),
            RssEndMiB = Math.Round(measured.RssEnd / 1048576.0, 1),
            Generator = GeneratorLoad.Of(measured.GeneratorCpu, measured.WallSeconds, Math.Max(1, options.GeneratorCores), lag),
            OtherCpuSeconds = Math.Round(Math.Max(0, measured.MachineCpu - measured.ServerCpu - measured.DatabaseCpu - measured.GeneratorCpu), 2),
            LoadAverageStart = measured.LoadStart,
            LoadAverageEnd = measured.LoadEnd,
            Pinning = options.Pinning,
            SyscallsPerLifecycle = syscalls,
            SyscallsTotalPerLifecycle = syscallTotal,
            Errors = errors.Distinct().Take(10).ToList(),
            PartyPool = options.PartyPool,
            Timeline = slices,
        };
    }

    /// <summary>
    /// The generator's own warm-up (<see cref="SignalingOptions.GeneratorWarmup"/>): lifecycles at
    /// <see cref="SignalingOptions.WarmupRate"/> (at most the target rate) against <paramref name="ceiling"/>, a throwaway
    /// ceiling server, with up to 64 pooled pairs when the run pools its parties. Nothing of it is measured or reported;
    /// what it leaves is this process's compiled code. Returns the lifecycles it completed and those that failed.
    /// </summary>
    public static async Task<(int Completed, int Failed)> WarmGeneratorAsync(ISignalingTarget ceiling, SignalingOptions options, RunStatus status,
        CancellationToken cancellationToken)
    {
        if (options.GeneratorWarmup <= TimeSpan.Zero) return (0, 0);
        status.Reset($"generator warm-up against a throwaway ceiling for {options.GeneratorWarmup.TotalSeconds:F0} s");
        using var http = HttpClientFor(options);
        var run = new SignalingRun(http, ceiling, options, "g" + Guid.NewGuid().ToString("N")[..6]);
        var pool = await PoolAsync(run, Math.Min(options.PartyPool, 64), cancellationToken).ConfigureAwait(false);
        var (tasks, _, _) = await OpenLoopAsync(run, options.CappedWarmupRate, options.GeneratorWarmup, pool,
            status, cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(tasks).ConfigureAwait(false);
        await DisposeAsync(pool).ConfigureAwait(false);
        return (run.Completed, run.Failed);
    }

    /// <summary>The generator's HTTP client: up to 512 connections to a server, <see cref="SignalingOptions.StepTimeout"/> per request.</summary>
    private static HttpClient HttpClientFor(SignalingOptions options) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = 512, PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) }) { Timeout = options.StepTimeout };

    /// <summary><paramref name="pairs"/> user pairs with tokens and open sockets, set up 16 at a time.</summary>
    private static async Task<ConcurrentQueue<SignalingPair>> PoolAsync(SignalingRun run, int pairs, CancellationToken cancellationToken)
    {
        var pool = new ConcurrentQueue<SignalingPair>();
        for (var i = 0; i < pairs; i += 16)
        {
            var batch = Enumerable.Range(i, Math.Min(16, pairs - i)).Select(k => run.PairAsync(k, cancellationToken));
            foreach (var pair in await Task.WhenAll(batch).ConfigureAwait(false))
                pool.Enqueue(pair);
        }
        return pool;
    }

    private static async Task DisposeAsync(ConcurrentQueue<SignalingPair> pool)
    {
        while (pool.TryDequeue(out var pair))
            await pair.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Starts lifecycles at <paramref name="rate"/> for <paramref name="duration"/>; returns them, the skipped starts and
    /// how late each start was against its due time (ms).
    /// </summary>
    private static async Task<(List<Task> Tasks, int Skipped, List<double> LagMs)> OpenLoopAsync(SignalingRun run, int rate, TimeSpan duration,
        ConcurrentQueue<SignalingPair> pool, RunStatus? status, CancellationToken cancellationToken)
    {
        var options = run.Options;
        var started = Stopwatch.GetTimestamp();
        var tasks = new List<Task>();
        var lag = new List<double>();
        var skipped = 0;
        for (var i = 0; ; i++)
        {
            var due = started + (long)(i * (double)Stopwatch.Frequency / rate);
            if (Stopwatch.GetElapsedTime(started) >= duration)
                break;
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            lag.Add(Math.Max(0, Stopwatch.GetElapsedTime(due).TotalMilliseconds));
            SignalingPair? pooled = null;
            if (run.InFlight >= options.MaxInFlight || (options.PartyPool > 0 && !pool.TryDequeue(out pooled)))
            {
                skipped++;
                continue;
            }
            tasks.Add(RunAndReturnAsync(run, i, pooled, pool, cancellationToken));
            if (status is not null && i % 50 == 0)
            {
                status.Set("started", i + 1);
                status.Set("completed", run.Completed);
                status.Set("failed or skipped", run.Failed + skipped);
                status.Set("in flight", run.InFlight);
            }
        }
        return (tasks, skipped, lag);
    }

    private static async Task RunAndReturnAsync(SignalingRun run, int index, SignalingPair? pooled, ConcurrentQueue<SignalingPair> pool, CancellationToken cancellationToken)
    {
        await run.LifecycleAsync(index, pooled, cancellationToken).ConfigureAwait(false);
        if (pooled is not null)
            pool.Enqueue(pooled);
    }

    /// <summary>A top-level string property of a JSON object (forward-only reader, nested values skipped).</summary>
    internal static string? TopLevelString(byte[]? json, ReadOnlySpan<byte> name)
    {
        if (json is null) return null;
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 0) return null;
            if (reader.TokenType != JsonTokenType.PropertyName) continue;
            var match = reader.CurrentDepth == 1 && reader.ValueTextEquals(name);
            if (!reader.Read()) return null;
            if (match && reader.TokenType == JsonTokenType.String) return reader.GetString();
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
        }
        return null;
    }
}

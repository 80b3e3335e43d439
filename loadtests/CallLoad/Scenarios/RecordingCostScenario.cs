using System.Text.Json.Nodes;
using CallLoad.Measuring;
using CallLoad.Targets;
using RtmpTestClient.Flv;

namespace CallLoad.Scenarios;

/// <summary>
/// Does recording change what viewers get? One CallService, two windows in the same run. Window 2 (run first, the
/// baseline): 2N unrecorded calls, every stream with one RTMP viewer; server CPU and disk writes (<c>write_bytes</c> of
/// <c>/proc/pid/io</c>). Then those calls end and window 1 runs: N recorded calls side by side with N unrecorded ones (even
/// call indices recorded); viewer latency and loss per group, CPU and disk. The difference ÷ N is what recording one call
/// (both legs) costs. The baseline runs first so that a coordinator's processing of finished recordings (after their
/// calls end) does not fall into it.
/// </summary>
public static class RecordingCostScenario
{
    /// <summary>Starts a CallService, runs both windows and stops it.</summary>
    public static async Task<RecordingCostResult> RunAsync(FlvFile file, RecordingCostOptions options, RunStatus status, CancellationToken cancellationToken)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var control = options.Switch == RecordingSwitch.TestSwitch ? Directory.CreateTempSubdirectory("callload-rec-").FullName : null;
        var environment = new Dictionary<string, string>();
        if (control is not null)
            environment["Media__Recording__TestControlDirectory"] = control;
        var errors = new List<string>();
        try
        {
            status.Reset("recording-cost: starting CallService");
            await using var target = await CallServiceTarget.StartAsync(options.ServiceDll, environment: environment).ConfigureAwait(false);
            // The baseline first: a coordinator processes recordings after their calls end (MP4s, composite), which
            // would otherwise run during the baseline window.
            target.RecordingFor = _ => "off";
            var baseline = await WindowAsync(target, file, options, "window 2 (nothing recorded)", null, errors, status, cancellationToken).ConfigureAwait(false);
            target.RecordingFor = index => index % 2 == 0 ? "on" : "off";
            var mixed = await WindowAsync(target, file, options, "window 1 (recorded + unrecorded)", control, errors, status, cancellationToken).ConfigureAwait(false);
            var n = Math.Max(1, options.Calls);
            return new RecordingCostResult
            {
                StartedAt = startedAt,
                Calls = options.Calls,
                Switch = options.Switch,
                Seconds = Math.Round(mixed.Seconds, 1),
                Recorded = mixed.Groups[0],
                Unrecorded = mixed.Groups[1],
                Baseline = baseline.Groups[2],
                CpuPercentMixed = Math.Round(mixed.CpuPercent, 1),
                CpuPercentBaseline = Math.Round(baseline.CpuPercent, 1),
                CpuPercentPerRecordedCall = Math.Round((mixed.CpuPercent - baseline.CpuPercent) / n, 2),
                DiskBytesPerSecondMixed = Math.Round(mixed.DiskBytesPerSecond),
                DiskBytesPerSecondBaseline = Math.Round(baseline.DiskBytesPerSecond),
                DiskKiBPerSecondPerRecordedCall = Math.Round((mixed.DiskBytesPerSecond - baseline.DiskBytesPerSecond) / 1024 / n, 1),
                PublishedKiBPerSecondPerCall = Math.Round(file.BitsPerSecond * 2 / 8 / 1024, 1),
                Files = mixed.Files,
                Errors = errors,
            };
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            errors.Add(ex.Message);
            return new RecordingCostResult { StartedAt = startedAt, Calls = options.Calls, Switch = options.Switch, Errors = errors };
        }
        finally
        {
            if (control is not null)
                Directory.Delete(control, recursive: true);
        }
    }

    private sealed record Window(double Seconds, GroupFigures[] Groups, double CpuPercent, double DiskBytesPerSecond, string Files);

    private static async Task<Window> WindowAsync(
        CallServiceTarget target, FlvFile file, RecordingCostOptions options, string name, string? control, List<string> errors,
        RunStatus status, CancellationToken cancellationToken)
    {
        status.Reset($"recording-cost {name}: starting {options.Calls * 2} calls");
        var rig = await MediaRig.StartAsync(target, file, options.Calls * 2, viewers: true, status, cancellationToken).ConfigureAwait(false);
        try
        {
            var recorded = Enumerable.Range(0, rig.Calls.Count).Where(i => target.RecordingFor?.Invoke(i) == "on").ToHashSet();
            var legs = recorded.SelectMany(i => new[] { rig.Streams[2 * i], rig.Streams[2 * i + 1] }).Select(s => StreamName(s.Urls.PushUrl)).ToList();
            if (control is not null)
                await MarkAsync(control, legs, ".start", cancellationToken).ConfigureAwait(false);
            status.Phase = $"recording-cost {name}: warm-up";
            await Task.Delay(options.Warmup, cancellationToken).ConfigureAwait(false);

            status.Phase = $"recording-cost {name}: measuring";
            var pid = target.ProcessId ?? throw new InvalidOperationException("no server process to measure");
            var diskBefore = WriteBytes(pid);
            var windowStart = MediaRig.Now;
            var sampler = ProcessSampler.Start(pid);
            await Task.Delay(options.Duration, cancellationToken).ConfigureAwait(false);
            var windowEnd = MediaRig.Now;
            var (cpu, wall, _) = sampler is null ? (0, options.Duration.TotalSeconds, 0L) : await sampler.StopAsync().ConfigureAwait(false);
            var disk = WriteBytes(pid) - diskBefore;
            await Task.Delay(options.InFlightGrace, cancellationToken).ConfigureAwait(false);
            rig.CollectPublisherFailures();
            errors.AddRange(rig.Errors);

            var end = windowEnd - MediaRig.Ticks(options.InFlightGrace);
            var groups = new[]
            {
                Measure(rig, i => recorded.Contains(i), windowStart, end),
                Measure(rig, i => !recorded.Contains(i), windowStart, end),
                Measure(rig, _ => true, windowStart, end),
            };
            var files = control is not null ? await CollectSummariesAsync(control, legs, cancellationToken).ConfigureAwait(false) : "";
            return new Window(wall, groups, wall > 0 ? cpu / wall * 100 : 0, wall > 0 ? disk / wall : 0, files);
        }
        finally
        {
            await rig.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Viewer latency and loss over the calls whose index matches <paramref name="include"/>.</summary>
    private static GroupFigures Measure(MediaRig rig, Func<int, bool> include, long windowStart, long windowEnd)
    {
        var audio = new List<double>();
        var video = new List<double>();
        long expected = 0, lost = 0;
        var closed = 0;
        var calls = 0;
        for (var i = 0; i < rig.Calls.Count; i++)
        {
            if (!include(i))
                continue;
            calls++;
            foreach (var stream in new[] { rig.Streams[2 * i], rig.Streams[2 * i + 1] })
            {
                var sent = stream.Publisher.SentMessages();
                foreach (var player in stream.Players)
                {
                    var received = player.Recorder.Snapshot().Where(m => m.ArrivalTicks >= windowStart).ToList();
                    var match = LatencyMatcher.Match(sent, received, windowStart, windowEnd);
                    audio.AddRange(match.AudioLatencyMs);
                    video.AddRange(match.VideoLatencyMs);
                    expected += match.Expected;
                    lost += match.Lost;
                    closed += player.Closed.IsCompleted ? 1 : 0;
                }
            }
        }
        return new GroupFigures
        {
            Calls = calls, Audio = Summary.Of(audio), Video = Summary.Of(video), All = Summary.Of([.. audio, .. video]),
            Expected = expected, Lost = lost, ViewersClosed = closed,
        };
    }

    /// <summary>Drops a marker per stream and waits (≤ 10 s) until the service has taken them all.</summary>
    private static async Task MarkAsync(string control, IReadOnlyList<string> streams, string suffix, CancellationToken cancellationToken)
    {
        foreach (var stream in streams)
            await File.WriteAllTextAsync(Path.Combine(control, stream + suffix), "", cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < 100 && Directory.EnumerateFiles(control, "*" + suffix).Any(); i++)
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the test-switch recordings and sums the relay's summaries.</summary>
    private static async Task<string> CollectSummariesAsync(string control, IReadOnlyList<string> streams, CancellationToken cancellationToken)
    {
        await MarkAsync(control, streams, ".stop", cancellationToken).ConfigureAwait(false);
        long bytes = 0, dropped = 0;
        var count = 0;
        for (var i = 0; i < 50 && Directory.EnumerateFiles(control, "*.summary.json").Count() < streams.Count; i++)
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        foreach (var path in Directory.EnumerateFiles(control, "*.summary.json"))
        {
            var summary = JsonNode.Parse(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false));
            bytes += summary?["Bytes"]?.GetValue<long>() ?? 0;
            dropped += summary?["DroppedTags"]?.GetValue<long>() ?? 0;
            count++;
        }
        return $"{count} of {streams.Count} legs, {bytes / 1048576.0:F1} MiB, {dropped} tags dropped by recordings";
    }

    /// <summary><c>write_bytes</c> of <c>/proc/&lt;pid&gt;/io</c>: bytes the process caused to be sent to storage (proc(5)).</summary>
    private static long WriteBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/io"))
        {
            if (line.StartsWith("write_bytes:", StringComparison.Ordinal))
                return long.Parse(line["write_bytes:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        return 0;
    }

    /// <summary>The stream name of a push URL (<c>rtmp://host/live/{name}?…</c>).</summary>
    private static string StreamName(string pushUrl) => new Uri(pushUrl).AbsolutePath.Split('/')[^1];

}

using System.Globalization;
using CallLoad.Measuring;
using CallLoad.Scenarios;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace CallLoad.Reporting;

/// <summary>Console tables for each scenario result.</summary>
public static class ReportTables
{
    /// <summary>A table for a result object of any scenario.</summary>
    public static IRenderable For(object result) => result switch
    {
        RelayLatencyResult r => Relay([r]),
        RelayCostResult c => RelayCost(c),
        CapacityResult c => new Rows(Relay(c.Steps), new Markup($"[bold]{Markup.Escape(c.Target)}: last good N = {c.LastGoodCalls}[/] ({Markup.Escape(c.StopReason)})")),
        SlowViewerResult s => Slow(s),
        TtffResult t => Ttff(t),
        SignalingResult s => Signaling(s),
        RecordingCostResult r => new Text(r.ToMarkdown()),
        _ => new Text(result.ToString() ?? ""),
    };

    private static string F(double value, string format = "F1") => value.ToString(format, CultureInfo.InvariantCulture);

    private static string Lat(Summary s) => s.Count == 0 ? "–" : $"{F(s.P50)} / {F(s.P95)} / {F(s.P99)} / {F(s.Max)}";

    private static Table Relay(IReadOnlyList<RelayLatencyResult> results)
    {
        // One column per run so the table stays readable in an 80-column terminal.
        var table = new Table().Title("relay-latency (ms: p50 / p95 / p99 / max)").AddColumn("figure");
        foreach (var r in results)
            table.AddColumn($"{Markup.Escape(r.Target)} ×{r.Calls}");
        void Row(string name, Func<RelayLatencyResult, string> value) =>
            table.AddRow([name, .. results.Select(r => Markup.Escape(value(r)))]);
        Row("audio latency", r => Lat(r.Audio));
        Row("video latency", r => Lat(r.Video));
        Row("expected / lost", r => $"{r.Expected} / {r.Lost}");
        Row("duplicated / out of order", r => $"{r.Duplicated} / {r.OutOfOrder}");
        Row("viewers closed", r => r.ViewersClosed.ToString(CultureInfo.InvariantCulture));
        Row("relayed Mbit", r => F(r.RelayedMbit));
        Row("server CPU % (1 core = 100)", r => F(r.CpuPercent));
        Row("server CPU s per Mbit", r => F(r.CpuSecondsPerMbit, "F5"));
        Row("server peak RSS MiB", r => F(r.PeakRssMiB));
        Row("errors", r => string.Join("; ", r.Errors));
        return table;
    }

    private static Table RelayCost(RelayCostResult c)
    {
        var table = new Table().Title($"relay-cost ×{c.Calls} calls, viewers {c.Viewers}, warm-up {F(c.WarmupSeconds, "F0")} s").AddColumn("figure");
        for (var i = 0; i < c.Targets.Count; i++)
            table.AddColumn(Markup.Escape(c.Label(i)));
        table.AddColumn(c.Rounds > 1 ? "ours / nginx (median)" : "ours / nginx");
        void Row(string name, Func<RelayCostTargetResult, string> value, string? ratio = null) =>
            table.AddRow([name, .. c.Targets.Select(t => Markup.Escape(value(t))), c.Ratios.TryGetValue(ratio ?? "", out var r) && r is { } x ? F(x, "F2") : ""]);
        Row("CPU ms per delivered Mbit", t => F(t.CpuMsPerMbit, "F2"), "cpuPerMbit");
        Row("CPU % (1 core = 100)", t => F(t.Window.CpuPercent));
        Row("delivered Mbit", t => F(t.Window.RelayedMbit));
        Row("latency p50 ms", t => F(t.Window.All.P50, "F2"), "latencyP50");
        Row("latency p99 ms", t => F(t.Window.All.P99, "F2"), "latencyP99");
        Row("expected / lost", t => $"{t.Window.Expected} / {t.Window.Lost}");
        Row("VmRSS MiB", t => F(t.RssMiB), "rss");
        Row("VmHWM MiB", t => F(t.HwmMiB));
        if (c.Targets.Any(t => t.CoordinatorRssMiB is not null))
        {
            Row("coordinator VmRSS MiB (relay process above)", t => t.CoordinatorRssMiB is { } r ? F(r) : "–");
            Row("coordinator CPU ms per Mbit", t => t.CoordinatorCpuMsPerMbit is { } r ? F(r, "F2") : "–");
        }
        Row("ctx switches per message", t => F(t.ContextSwitchesPerMessage, "F3"), "contextSwitchesPerMessage");
        Row("syscalls per message", t => t.Syscalls is { } s ? F(s.PerDeliveredMessage, "F3") : "–", "syscallsPerMessage");
        Row("top syscalls", t => t.Syscalls is { } s ? string.Join(", ", s.Top.Take(4).Select(x => $"{x.Name} {x.Calls}")) : "–");
        Row("errors", t => string.Join("; ", t.Errors));
        foreach (var (name, error) in c.TargetErrors)
            table.AddRow(Markup.Escape(name), Markup.Escape(error));
        return table;
    }

    private static Table Slow(SlowViewerResult s)
    {
        var table = new Table().Title($"slow-viewer on {Markup.Escape(s.Target)} (cap {s.CapBytesPerSecond * 8 / 1000} kbit/s)")
            .AddColumns("viewer", "audio delivered", "video delivered", "latency p50/p95/p99/max", "video gaps", "resumed on non-key", "disconnected");
        foreach (var (name, v) in s.Viewers())
            table.AddRow(name, F(v.AudioDelivered * 100, "F2") + " %", F(v.VideoDelivered * 100, "F2") + " %", Lat(v.Latency),
                v.VideoGaps.ToString(CultureInfo.InvariantCulture), v.ResumedOnNonKeyframe.ToString(CultureInfo.InvariantCulture),
                v.Disconnected ? "yes" : "no");
        if (s.Errors.Count > 0)
            table.Caption(Markup.Escape(string.Join("; ", s.Errors)));
        return table;
    }

    private static Table Ttff(TtffResult t)
    {
        var table = new Table().Title($"ttff on {Markup.Escape(t.Target)}").AddColumns("figure", "value");
        table.AddRow("first frame ms p50 / p95 / p99 / max", Lat(t.FirstFrameMs));
        table.AddRow("first media ms p50 / p95 / p99 / max", Lat(t.FirstMediaMs));
        table.AddRow("joins", t.FirstFrameMs.Count.ToString(CultureInfo.InvariantCulture));
        table.AddRow("started from the latest keyframe", t.StartedFromLatestKeyframe.ToString(CultureInfo.InvariantCulture));
        table.AddRow("later than next keyframe + 50 ms", t.LaterThanNextKeyframe.ToString(CultureInfo.InvariantCulture));
        table.AddRow("timed out", t.TimedOut.ToString(CultureInfo.InvariantCulture));
        if (t.Errors.Count > 0)
            table.AddRow("errors", Markup.Escape(string.Join("; ", t.Errors)));
        return table;
    }

    private static Table Signaling(SignalingResult s)
    {
        var table = new Table().Title($"signaling on {Markup.Escape(s.Target)}: {F(s.AchievedRate)} lifecycles/s of {s.TargetRate} asked"
                + (s.GeneratorSaturated ? " [red](GENERATOR SATURATED)[/]" : ""))
            .AddColumns("step", "count", "p50 ms", "p99 ms", "max ms");
        table.AddRow("lifecycle", s.Lifecycle.Count.ToString(CultureInfo.InvariantCulture), F(s.Lifecycle.P50, "F2"), F(s.Lifecycle.P99, "F2"), F(s.Lifecycle.Max, "F2"));
        foreach (var (name, summary) in s.Requests.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            table.AddRow(Markup.Escape(name), summary.Count.ToString(CultureInfo.InvariantCulture), F(summary.P50, "F2"), F(summary.P99, "F2"), F(summary.Max, "F2"));
        table.AddRow("realtime event", s.Events.Count.ToString(CultureInfo.InvariantCulture), F(s.Events.P50, "F2"), F(s.Events.P99, "F2"), F(s.Events.Max, "F2"));
        var g = s.Generator;
        table.AddRow("generator start lag", g.ScheduleLag.Count.ToString(CultureInfo.InvariantCulture), F(g.ScheduleLag.P50, "F2"), F(g.ScheduleLag.P99, "F2"), F(g.ScheduleLag.Max, "F2"));
        var syscalls = s.SyscallsTotalPerLifecycle > 0
            ? $"\nsyscalls per lifecycle {F(s.SyscallsTotalPerLifecycle)}: " + string.Join(", ", s.SyscallsPerLifecycle.Take(8).Select(kv => $"{kv.Key} {F(kv.Value)}"))
            : "";
        table.Caption(Markup.Escape(
            $"completed {s.Completed}, failed {s.Failed} (lost events {s.LostEvents}){(s.Errors.Count > 0 ? ": " + string.Join("; ", s.Errors.Take(3)) : "")}\n" +
            $"server CPU {F(s.CpuSeconds, "F2")} s = {F(s.CpuMsPerLifecycle, "F3")} ms per lifecycle ({s.Nodes} node(s){(s.Provider is null ? "" : ", " + s.Provider)}), " +
            $"database CPU {F(s.DatabaseCpuSeconds, "F2")} s, {F(s.ContextSwitchesPerLifecycle)} context switches per lifecycle, " +
            $"RSS {F(s.RssStartMiB)} → {F(s.RssEndMiB)} MiB (peak {F(s.PeakRssMiB)})\n" +
            $"generator CPU {F(g.CpuSeconds, "F2")} s = {F(g.CpuShare * 100)} % of {g.Cores} core(s){(g.Saturated ? " — SATURATED: " + g.Reason : "")}; " +
            $"other jobs {F(s.OtherCpuSeconds, "F2")} CPU s; load average {F(s.LoadAverageStart, "F2")} → {F(s.LoadAverageEnd, "F2")}" +
            (s.Pinning.Length > 0 ? $"; {s.Pinning}" : "; not pinned") + GcLine(s) + syscalls + Timeline(s)));
        return table;
    }

    private static string GcLine(SignalingResult s) => s.GcTracedServers == 0 ? "\nGC pauses: not traced (no diagnostics port, or the server runs in this process)" :
        s.Gc.Generations.Count == 0 ? "\nGC pauses: no collection in the window" :
        "\nGC pauses (count × p50 / max ms): " + string.Join(", ", s.Gc.Generations.Select((g, i) => $"gen{i} {g.Count} × {F(g.P50Ms)} / {F(g.MaxMs)}")) +
        $"; paused {F(s.Gc.TotalMs, "F0")} ms = {F(s.GcPausedShare * 100, "F2")} % of the window" +
        string.Concat(s.Gc.Generations.Select((g, i) => g.PhasesMs is not { Count: > 0 } ? "" :
            $"\n  gen{i} pause, mean ms per collection (KiB marked from its roots), median {F(g.SurvivedP50KiB, "F0")} KiB marked: " +
            string.Join(", ", g.PhasesMs.Select(f => f.KiB > 0 ? $"{f.Phase} {F(f.Ms, "F2")} ({F(f.KiB, "F0")})" : $"{f.Phase} {F(f.Ms, "F2")}"))));

    private static string Timeline(SignalingResult s) => s.Timeline.Count < 2 ? "" :
        "\ntimeline (s: completed, lifecycle p50/p99 ms, server CPU ms per lifecycle" + (s.DatabaseCpuSeconds > 0 ? " (+ database's)" : "") +
        ", RSS MiB, generator CPU share):\n" + string.Join("\n",
            s.Timeline.Select(t => $"  {F(t.EndSeconds)}: {t.Completed}, {F(t.LifecycleP50)}/{F(t.LifecycleP99)}, {F(t.CpuMsPerLifecycle, "F3")}" +
                (s.DatabaseCpuSeconds > 0 ? $" (+ db {F(t.DatabaseCpuMsPerLifecycle, "F3")})" : "") + $", {F(t.RssMiB)}, " +
                $"gen {t.GeneratorCpuShare * 100:F0} %{(t.GeneratorSaturated ? " GENERATOR SATURATED" : "")}"));
}

using System.Text;
using CallLoad.Scenarios;

namespace CallLoad.Reporting;

/// <summary>The <c>relay-cost</c> part of <c>docs/benchmarks.md</c>.</summary>
public static partial class MarkdownReport
{
    /// <summary>Relay cost bound: RSS of the service at the measured load, MiB.</summary>
    public const double RssBoundMiB = 64;

    /// <summary>Relay cost bound: latency p99 may exceed nginx-rtmp's by this much, ms.</summary>
    public const double P99SlackMs = 0.5;

    private static void RelayCostTargets(StringBuilder md, RelayCostResult? cost)
    {
        if (cost is null)
            return;
        // Medians over the rounds (one round: that round's figures).
        var rounds = cost.Rounds > 1 ? Inv($", median of {cost.Rounds} rounds") : "";
        var cpu = (Ours: cost.MedianOf(Ours, t => t.CpuMsPerMbit), Theirs: cost.MedianOf(Nginx, t => t.CpuMsPerMbit));
        var p99 = (Ours: cost.MedianOf(Ours, t => t.Window.All.P99), Theirs: cost.MedianOf(Nginx, t => t.Window.All.P99));
        var rss = (Ours: cost.MedianOf(Ours, t => t.RssMiB), Theirs: cost.MedianOf(Nginx, t => t.RssMiB));
        Row(md, Inv($"relay-cost at {cost.Calls} calls{rounds}: server CPU per delivered Mbit ≤ nginx"), cpu.Ours, cpu.Theirs, "ms",
            cpu.Ours <= cpu.Theirs);
        Row(md, Inv($"relay-cost at {cost.Calls} calls{rounds}: relay latency p99 ≤ nginx + {P99SlackMs} ms"), p99.Ours, p99.Theirs, "ms",
            p99.Ours <= p99.Theirs + P99SlackMs);
        Row(md, Inv($"relay-cost at {cost.Calls} calls{rounds}: server RSS ≤ {RssBoundMiB} MiB"), rss.Ours, rss.Theirs, "MiB",
            rss.Ours <= RssBoundMiB);
    }

    private static void RelayCostSection(StringBuilder md, RelayCostResult? cost)
    {
        if (cost is null)
            return;
        md.AppendLine().AppendLine(Inv($"## Relay cost ({cost.Calls} calls, viewers: {cost.Viewers}, after {cost.WarmupSeconds:0} s of load on each target, {cost.Rounds} round(s))")).AppendLine();
        md.AppendLine("CPU, latency, RSS and context switches come from an untraced window; syscalls from a separate window with " +
                      "`strace -c -f` attached (tracing slows the server). Delivered = media messages and bytes the viewers received.").AppendLine();
        md.AppendLine("| figure | " + string.Join(" | ", cost.Targets.Select((_, i) => cost.Label(i))) + " | ratio (ours / nginx" + (cost.Rounds > 1 ? ", median of the rounds" : "") + ") |");
        md.AppendLine("|---|" + string.Concat(cost.Targets.Select(_ => "---|")) + "---|");
        void Line(string name, Func<RelayCostTargetResult, string> value, string ratio) =>
            md.AppendLine($"| {name} | {string.Join(" | ", cost.Targets.Select(value))} | {ratio} |");
        string R(string key) => cost.Ratios[key] is { } r ? Fmt(r) : "–";
        Line("server CPU ms per delivered Mbit", t => Fmt(t.CpuMsPerMbit), R("cpuPerMbit"));
        Line("server CPU % (1 core = 100)", t => Fmt(t.Window.CpuPercent), "");
        Line("delivered Mbit", t => Fmt(t.Window.RelayedMbit), "");
        Line("relay latency p50 / p99 / max ms", t => Inv($"{Fmt(t.Window.All.P50)} / {Fmt(t.Window.All.P99)} / {Fmt(t.Window.All.Max)}"), R("latencyP50") + " / " + R("latencyP99"));
        Line("expected / lost messages", t => Inv($"{t.Window.Expected} / {t.Window.Lost}"), "");
        Line("server VmRSS MiB (end of window)", t => Fmt(t.RssMiB), R("rss"));
        Line("server VmHWM MiB", t => Fmt(t.HwmMiB), "");
        if (cost.Targets.Any(t => t.CoordinatorRssMiB is not null))
        {
            Line("coordinator VmRSS MiB (relay in its own process: the rows above are the relay's)", t => t.CoordinatorRssMiB is { } r ? Fmt(r) : "–", "");
            Line("coordinator CPU ms per delivered Mbit", t => t.CoordinatorCpuMsPerMbit is { } r ? Fmt(r) : "–", "");
        }
        Line("context switches per delivered message", t => Fmt(t.ContextSwitchesPerMessage), R("contextSwitchesPerMessage"));
        Line("syscalls per delivered message (strace window)", t => t.Syscalls is { } s ? Fmt(s.PerDeliveredMessage) : "–", R("syscallsPerMessage"));
        Line("top syscalls (calls)", t => t.Syscalls is { } s ? string.Join(", ", s.Top.Take(5).Select(c => Inv($"{c.Name} {c.Calls}"))) : "–", "");
        Line("errors", t => string.Join("; ", t.Errors).Replace("|", "\\|", StringComparison.Ordinal), "");
        foreach (var (name, error) in cost.TargetErrors)
            md.AppendLine().AppendLine(Inv($"**{name} could not be measured:** {error}"));
    }
}

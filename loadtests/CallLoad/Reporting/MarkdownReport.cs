using System.Globalization;
using System.Text;
using CallLoad.Measuring;
using CallLoad.Scenarios;

namespace CallLoad.Reporting;

/// <summary>Renders <c>docs/benchmarks.md</c>: targets with pass/fail, then each scenario with both systems and ratios.</summary>
public static partial class MarkdownReport
{
    private const string Ours = "callservice";
    private const string Nginx = "nginx-rtmp";

    /// <summary>The report text.</summary>
    public static string Render(BenchmarkRun run, string jsonFileName)
    {
        var md = new StringBuilder();
        md.AppendLine("# Benchmarks: CallService vs nginx-rtmp").AppendLine();
        md.AppendLine(Inv($"Produced by `loadtests/CallLoad` (see `loadtests/README.md`). Raw results: [{jsonFileName}]({jsonFileName})."));
        md.AppendLine().AppendLine("| | |").AppendLine("|---|---|");
        md.AppendLine(Inv($"| date (UTC) | {run.Date:yyyy-MM-dd HH:mm} |"));
        md.AppendLine(Inv($"| machine | {run.Machine.Cpu}, {run.Machine.Cores} cores, {run.Machine.MemoryGiB} GiB, {run.Machine.Os} |"));
        md.AppendLine(Inv($"| runtime | {run.Machine.Runtime}; {run.Machine.NginxVersion ?? "nginx not found"} + libnginx-mod-rtmp |"));
        md.AppendLine(Inv($"| command | `{run.Command}` |"));
        md.AppendLine(Inv($"| media | {run.Media} |"));
        md.AppendLine(Inv($"| mode | {(run.Quick ? "quick (short smoke runs: figures are indicative only)" : "full")} |"));
        md.AppendLine().AppendLine("The load generator runs on the same machine as the server under test and competes with it for the same cores; " +
                                   "both systems are measured under the same conditions in the same run, so compare the ratios rather than the absolute numbers.");
        foreach (var (name, error) in run.TargetErrors)
            md.AppendLine().AppendLine(Inv($"**{name} could not be measured:** {error}"));

        Targets(md, run);
        RelayCostSection(md, run.RelayCost);
        Relay(md, run.RelayLatency, "Relay latency");
        Capacity(md, run);
        Slow(md, run);
        Ttff(md, run);
        Signaling(md, run);
        return md.ToString();
    }

    private static void Targets(StringBuilder md, BenchmarkRun run)
    {
        md.AppendLine().AppendLine("## Targets (DESIGN §5)").AppendLine();
        md.AppendLine("| target | CallService | nginx-rtmp | ratio (ours / nginx) | verdict |").AppendLine("|---|---|---|---|---|");
        var ours = run.RelayLatency.Find(r => r.Target == Ours && r.Errors.Count == 0);
        var theirs = run.RelayLatency.Find(r => r.Target == Nginx && r.Errors.Count == 0);
        Row(md, Inv($"relay latency p99 ≤ 5 ms at {ours?.Calls ?? theirs?.Calls ?? 50} calls and ≤ nginx"), ours?.All.P99, theirs?.All.P99, "ms",
            ours is not null && ours.All.P99 <= 5 && (theirs is null || ours.All.P99 <= theirs.All.P99));
        Row(md, "CPU per relayed Mbit ≤ nginx", ours?.CpuSecondsPerMbit, theirs?.CpuSecondsPerMbit, "CPU s/Mbit",
            ours is not null && theirs is not null && ours.CpuSecondsPerMbit <= theirs.CpuSecondsPerMbit);
        RelayCostTargets(md, run.RelayCost);
        var capOurs = run.Capacity.Find(c => c.Target == Ours);
        var capTheirs = run.Capacity.Find(c => c.Target == Nginx);
        Row(md, "capacity (calls with p99 < 50 ms, no loss) ≥ nginx", capOurs?.LastGoodCalls, capTheirs?.LastGoodCalls, "calls",
            capOurs is not null && capTheirs is not null && capOurs.LastGoodCalls >= capTheirs.LastGoodCalls);
        var ttOurs = run.Ttff.Find(t => t.Target == Ours && t.Errors.Count == 0);
        var ttTheirs = run.Ttff.Find(t => t.Target == Nginx && t.Errors.Count == 0);
        Row(md, "time to first frame, joins while the latest keyframe is young: p95 ≤ 150 ms", ttOurs?.YoungKeyframeFirstFrameMs.P95,
            ttTheirs?.YoungKeyframeFirstFrameMs.P95, "ms", ttOurs is not null && ttOurs.YoungKeyframeFirstFrameMs.Count > 0 && ttOurs.YoungKeyframeFirstFrameMs.P95 <= 150);
        Row(md, "time to first frame: joins later than the next keyframe + 50 ms = 0", ttOurs?.LaterThanNextKeyframe, ttTheirs?.LaterThanNextKeyframe, "joins",
            ttOurs is not null && ttOurs.LaterThanNextKeyframe == 0 && ttOurs.TimedOut == 0);
        Row(md, "time to first frame p95, all joins, ≤ nginx (`wait_key on`)", ttOurs?.FirstFrameMs.P95, ttTheirs?.FirstFrameMs.P95, "ms",
            ttOurs is not null && ttTheirs is not null && ttOurs.FirstFrameMs.P95 <= ttTheirs.FirstFrameMs.P95);
        var svOurs = run.SlowViewer.Find(s => s.Target == Ours && s.Errors.Count == 0);
        var svTheirs = run.SlowViewer.Find(s => s.Target == Nginx && s.Errors.Count == 0);
        Row(md, "slow viewer: audio delivered ≥ 99 %", svOurs?.Capped.AudioDelivered * 100, svTheirs?.Capped.AudioDelivered * 100, "%",
            svOurs is not null && svOurs.Capped.AudioDelivered >= 0.99);
        // DESIGN §5 bounds every audio message; video on the capped link waits for key frames (its latency is in the table below).
        Row(md, "slow viewer: every audio message ≤ 500 ms late (most late)", svOurs?.Capped.AudioLatency.Max, svTheirs?.Capped.AudioLatency.Max, "ms",
            svOurs is not null && svOurs.Capped.AudioLatency.Count > 0 && svOurs.Capped.AudioLatency.Max <= 500);
        // Over HTTP-FLV (a tag cannot be split: audio may wait behind a whole video tag) the bound is the audio's p99.
        var flvOurs = svOurs?.CappedFlv;
        var flvTheirs = svTheirs?.CappedFlv;
        Row(md, "slow HTTP-FLV viewer: audio delivered ≥ 99 %", flvOurs?.AudioDelivered * 100, flvTheirs?.AudioDelivered * 100, "%",
            flvOurs is not null && flvOurs.AudioDelivered >= 0.99);
        Row(md, "slow HTTP-FLV viewer: audio latency p99 ≤ 500 ms", flvOurs?.AudioLatency.P99, flvTheirs?.AudioLatency.P99, "ms",
            flvOurs is not null && flvOurs.AudioLatency.Count > 0 && flvOurs.AudioLatency.P99 <= 500);
        var sig = run.Signaling.Find(s => s.Target == Ours);
        var ceiling = run.Signaling.Find(s => s.Target != Ours);
        md.AppendLine(Inv($"| signaling lifecycle p99 < 10 ms at ≥ 1,000/s | {Fmt(sig?.Lifecycle.P99)} ms at {Fmt(sig?.AchievedRate)}/s | ceiling: {Fmt(ceiling?.Lifecycle.P99)} ms at {Fmt(ceiling?.AchievedRate)}/s | {Ratio(sig?.Lifecycle.P99, ceiling?.Lifecycle.P99)} | {Verdict(sig is not null && sig.Lifecycle.P99 < 10 && sig.AchievedRate >= 1000 && sig.Failed == 0)} |"));
        md.AppendLine(Inv($"| realtime event to party p99 < 5 ms | {Fmt(sig?.Events.P99)} ms | ceiling: {Fmt(ceiling?.Events.P99)} ms | {Ratio(sig?.Events.P99, ceiling?.Events.P99)} | {Verdict(sig is not null && sig.Events.P99 < 5)} |"));
    }

    private static void Row(StringBuilder md, string name, double? ours, double? theirs, string unit, bool pass) =>
        md.AppendLine(Inv($"| {name} | {Fmt(ours)} {unit} | {Fmt(theirs)} {unit} | {Ratio(ours, theirs)} | {Verdict(pass)} |"));

    private static string Verdict(bool pass) => pass ? "pass" : "**fail**";

    private static string Fmt(double? value) => value is { } v ? v.ToString(Math.Abs(v) < 0.1 && v != 0 ? "G3" : "0.##", CultureInfo.InvariantCulture) : "–";

    private static string Ratio(double? ours, double? theirs) =>
        ours is { } o && theirs is { } t && t != 0 ? (o / t).ToString("0.00", CultureInfo.InvariantCulture) : "–";

    private static string Lat(Summary s) => s.Count == 0 ? "–" : Inv($"{Fmt(s.P50)} / {Fmt(s.P95)} / {Fmt(s.P99)} / {Fmt(s.Max)}");

    private static void Relay(StringBuilder md, IEnumerable<RelayLatencyResult> results, string title)
    {
        md.AppendLine().AppendLine(Inv($"## {title}")).AppendLine();
        md.AppendLine("Per-message latency = arrival at the viewer − send by the publisher (same process, same clock), ms as p50 / p95 / p99 / max.").AppendLine();
        md.AppendLine("| target | calls | audio | video | expected | lost | dup | out of order | CPU % (1 core = 100) | CPU s / Mbit | peak RSS MiB | errors |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in results)
            md.AppendLine(Inv($"| {r.Target} | {r.Calls} | {Lat(r.Audio)} | {Lat(r.Video)} | {r.Expected} | {r.Lost} | {r.Duplicated} | {r.OutOfOrder} | {Fmt(r.CpuPercent)} | {Fmt(r.CpuSecondsPerMbit)} | {Fmt(r.PeakRssMiB)} | {string.Join("; ", r.Errors)} |"));
    }

    private static void Capacity(StringBuilder md, BenchmarkRun run)
    {
        md.AppendLine().AppendLine("## Capacity").AppendLine();
        md.AppendLine("| target | last good N | stopped because |").AppendLine("|---|---|---|");
        foreach (var c in run.Capacity)
            md.AppendLine(Inv($"| {c.Target} | {c.LastGoodCalls} | {c.StopReason} |"));
        Relay(md, run.Capacity.SelectMany(c => c.Steps), "Capacity steps");
    }

    private static void Slow(StringBuilder md, BenchmarkRun run)
    {
        md.AppendLine().AppendLine("## Slow viewer (link capped at a quarter of the bit rate, small SO_RCVBUF)").AppendLine();
        md.AppendLine("| target | viewer | audio delivered | video delivered | latency p50 / p95 / p99 / max ms | video gaps | resumed on non-keyframe | disconnected |");
        md.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var s in run.SlowViewer)
        {
            foreach (var (name, v) in s.Viewers())
                md.AppendLine(Inv($"| {s.Target} | {name} | {v.AudioDelivered * 100:0.##} % | {v.VideoDelivered * 100:0.##} % | {Lat(v.Latency)} | {v.VideoGaps} | {v.ResumedOnNonKeyframe} | {(v.Disconnected ? "yes" : "no")} |"));
            if (s.Errors.Count > 0)
                md.AppendLine(Inv($"| {s.Target} | error | {string.Join("; ", s.Errors)} | | | | | |"));
        }
        md.AppendLine().AppendLine("Capped viewers' latency over time (max ms per second of the run):").AppendLine();
        foreach (var s in run.SlowViewer)
            foreach (var (name, v) in s.Viewers().Where(x => x.Name != "normal" && x.Delivery.OverTime.Count > 0))
                md.AppendLine(Inv($"- {s.Target}, {name}: {string.Join(", ", v.OverTime.Select(b => Fmt(b.MaxMs)))}"));
    }

    private static void Ttff(StringBuilder md, BenchmarkRun run)
    {
        md.AppendLine().AppendLine("## Time to first frame (viewers joining live streams at random GOP phases)").AppendLine();
        md.AppendLine("| target | joins | first frame p50 / p95 / p99 / max ms | joins while the latest keyframe was young (< 500 ms): n, first frame p50 / p95 / p99 / max ms | first media p50 / p95 ms | from latest keyframe | later than next keyframe + 50 ms | timed out |");
        md.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var t in run.Ttff)
            md.AppendLine(Inv($"| {t.Target} | {t.FirstFrameMs.Count} | {Lat(t.FirstFrameMs)} | {t.YoungKeyframeFirstFrameMs.Count}: {Lat(t.YoungKeyframeFirstFrameMs)} | {Fmt(t.FirstMediaMs.P50)} / {Fmt(t.FirstMediaMs.P95)} | {t.StartedFromLatestKeyframe} | {t.LaterThanNextKeyframe} | {t.TimedOut} |"));
    }

    private static void Signaling(StringBuilder md, BenchmarkRun run)
    {
        md.AppendLine().AppendLine("## Signaling (full lifecycles; ceiling = minimal ASP.NET endpoint with the same routes and events, no logic)").AppendLine();
        md.AppendLine("Lifecycle = create (ring) → `call.incoming` → accept → `call.accepted` → 4 status reports → hang-up → `call.ended`. " +
                      "Event latency = arrival on the party's socket − start of the request that caused it. " +
                      "With a party pool, user pairs keep their token and socket across calls (set-up not timed).").AppendLine();
        md.AppendLine("| target | asked /s | achieved /s | completed | failed or skipped | lifecycle p50 / p99 ms | request p50 / p99 ms (by kind) | event p50 / p99 ms | CPU s | RSS MiB |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var s in run.Signaling)
        {
            var requests = string.Join("; ", s.Requests.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => Inv($"{kv.Key} {Fmt(kv.Value.P50)}/{Fmt(kv.Value.P99)}")));
            md.AppendLine(Inv($"| {s.Target} | {s.TargetRate} | {Fmt(s.AchievedRate)} | {s.Completed} | {s.Failed} | {Fmt(s.Lifecycle.P50)} / {Fmt(s.Lifecycle.P99)} | {requests} | {Fmt(s.Events.P50)} / {Fmt(s.Events.P99)} | {Fmt(s.CpuSeconds)} | {Fmt(s.PeakRssMiB)} |"));
            if (s.Errors.Count > 0)
                md.AppendLine(Inv($"| {s.Target} | errors: {string.Join("; ", s.Errors.Take(3)).Replace("|", "\\|", StringComparison.Ordinal)} | | | | | | | | |"));
        }
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

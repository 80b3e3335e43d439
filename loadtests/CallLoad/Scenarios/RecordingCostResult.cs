using System.Globalization;
using System.Text;
using CallLoad.Measuring;
using CallLoad.Targets;
using RtmpTestClient.Flv;

namespace CallLoad.Scenarios;

/// <summary>How <c>recording-cost</c> turns recording on for a call.</summary>
public enum RecordingSwitch
{
    /// <summary><c>"recording":"on"</c> on <c>POST /v1/calls</c> (the coordinator records both legs).</summary>
    Api,
    /// <summary>
    /// Test only, for a build without the coordinator's recording API: the service is started with
    /// <c>Media:Recording:TestControlDirectory</c> and the tool drops <c>{stream}.start</c> markers for both legs of a
    /// recorded call right after creating it (the relay then records from its held GOP). The calls still send the field.
    /// </summary>
    TestSwitch,
}

/// <summary>Settings of <c>recording-cost</c>.</summary>
public sealed record RecordingCostOptions
{
    /// <summary>Recorded calls; as many unrecorded ones run beside them.</summary>
    public int Calls { get; init; } = 25;
    /// <summary>Load before each window.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(8);
    /// <summary>Each measuring window.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(15);
    /// <summary>How recording is turned on.</summary>
    public RecordingSwitch Switch { get; init; } = RecordingSwitch.Api;
    /// <summary>CallService.dll to start (default: the repository's Release build).</summary>
    public string? ServiceDll { get; init; }
    /// <summary>Messages sent in this last part of a window are not counted as lost.</summary>
    public TimeSpan InFlightGrace { get; init; } = TimeSpan.FromMilliseconds(500);
}

/// <summary>Viewer figures of one group of calls in one window.</summary>
public sealed record GroupFigures
{
    /// <summary>Calls in the group.</summary>
    public int Calls { get; init; }
    /// <summary>Audio latency, ms.</summary>
    public Summary Audio { get; init; } = Summary.Empty;
    /// <summary>Video latency, ms.</summary>
    public Summary Video { get; init; } = Summary.Empty;
    /// <summary>All media latency, ms.</summary>
    public Summary All { get; init; } = Summary.Empty;
    /// <summary>Messages the viewers should have received in the window.</summary>
    public long Expected { get; init; }
    /// <summary>Of those, never received (dropped).</summary>
    public long Lost { get; init; }
    /// <summary>Viewers whose connection closed.</summary>
    public int ViewersClosed { get; init; }
}

/// <summary>Result of <c>recording-cost</c>.</summary>
public sealed record RecordingCostResult
{
    /// <summary>When the run started (UTC).</summary>
    public DateTimeOffset StartedAt { get; init; }
    /// <summary>Recorded calls (and as many unrecorded).</summary>
    public int Calls { get; init; }
    /// <summary>How recording was turned on.</summary>
    public RecordingSwitch Switch { get; init; }
    /// <summary>Window seconds.</summary>
    public double Seconds { get; init; }
    /// <summary>Window 1: the recorded calls' viewers.</summary>
    public GroupFigures Recorded { get; init; } = new();
    /// <summary>Window 1: the unrecorded calls' viewers, same window.</summary>
    public GroupFigures Unrecorded { get; init; } = new();
    /// <summary>Window 2: all calls unrecorded (the same number of calls).</summary>
    public GroupFigures Baseline { get; init; } = new();
    /// <summary>Server CPU in window 1, % of one core.</summary>
    public double CpuPercentMixed { get; init; }
    /// <summary>Server CPU in window 2 (nothing recorded), % of one core.</summary>
    public double CpuPercentBaseline { get; init; }
    /// <summary>(window 1 − window 2) ÷ recorded calls, % of one core: what recording one call (two legs) costs.</summary>
    public double CpuPercentPerRecordedCall { get; init; }
    /// <summary>Server <c>write_bytes</c> (<c>/proc/pid/io</c>) per second in window 1.</summary>
    public double DiskBytesPerSecondMixed { get; init; }
    /// <summary>Server <c>write_bytes</c> per second in window 2.</summary>
    public double DiskBytesPerSecondBaseline { get; init; }
    /// <summary>(window 1 − window 2) disk write rate ÷ recorded calls, KiB/s.</summary>
    public double DiskKiBPerSecondPerRecordedCall { get; init; }
    /// <summary>What the publishers send per call (two legs), KiB/s: what a recorded call should write.</summary>
    public double PublishedKiBPerSecondPerCall { get; init; }
    /// <summary>Recording files found after the run (test switch: the relay's summaries), their bytes and dropped tags.</summary>
    public string Files { get; init; } = "";
    /// <summary>Failures.</summary>
    public List<string> Errors { get; init; } = [];

    /// <summary>The result as the Markdown section of <c>docs/benchmarks.md</c>.</summary>
    public string ToMarkdown()
    {
        static string F(double v, string f = "F1") => v.ToString(f, CultureInfo.InvariantCulture);
        static string Lat(Summary s) => s.Count == 0 ? "–" : $"{F(s.P50)} / {F(s.P95)} / {F(s.P99)} / {F(s.Max)}";
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"recording-cost {StartedAt:yyyy-MM-dd HH:mm} UTC: {Calls} recorded + {Calls} unrecorded calls ({Switch}), windows of {F(Seconds)} s");
        text.AppendLine();
        text.AppendLine("| viewers of | calls | audio latency p50/p95/p99/max ms | video latency p50/p95/p99/max ms | expected / lost | viewers closed |");
        text.AppendLine("|---|---|---|---|---|---|");
        foreach (var (name, g) in new[] { ("recorded calls (window 1)", Recorded), ("unrecorded calls (window 1)", Unrecorded), ("all unrecorded (window 2)", Baseline) })
            text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {g.Calls} | {Lat(g.Audio)} | {Lat(g.Video)} | {g.Expected} / {g.Lost} | {g.ViewersClosed} |");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- server CPU: {F(CpuPercentMixed)} % of one core with {Calls} calls recorded, {F(CpuPercentBaseline)} % with none → **{F(CpuPercentPerRecordedCall, "F2")} % of one core per recorded call** (two legs)");
        text.AppendLine(CultureInfo.InvariantCulture, $"- disk (`write_bytes`): {F(DiskBytesPerSecondMixed / 1024)} KiB/s with recording, {F(DiskBytesPerSecondBaseline / 1024)} KiB/s without → **{F(DiskKiBPerSecondPerRecordedCall)} KiB/s per recorded call** (published: {F(PublishedKiBPerSecondPerCall)} KiB/s per call)");
        if (Files.Length > 0)
            text.AppendLine(CultureInfo.InvariantCulture, $"- files: {Files}");
        foreach (var error in Errors.Take(10))
            text.AppendLine(CultureInfo.InvariantCulture, $"- error: {error}");
        return text.ToString();
    }
}

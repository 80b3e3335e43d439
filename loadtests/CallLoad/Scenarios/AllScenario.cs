using System.Text.Json;
using CallLoad.Ceiling;
using CallLoad.Reporting;
using CallLoad.Targets;
using Spectre.Console;

namespace CallLoad.Scenarios;

/// <summary>Settings of <c>all</c>.</summary>
public sealed record AllOptions
{
    /// <summary>Markdown report path; the JSON goes next to it with the same name.</summary>
    public required string ReportPath { get; init; }
    /// <summary>Short runs (smoke).</summary>
    public bool Quick { get; init; }
    /// <summary>Calls for relay-latency (default 50, DESIGN §5; quick: 5).</summary>
    public int? LatencyCalls { get; init; }
    /// <summary>CallService.dll to start.</summary>
    public string? ServiceDll { get; init; }
    /// <summary>nginx config template.</summary>
    public string? NginxConfig { get; init; }
    /// <summary>
    /// Added to the environment of the CallService processes the relay scenarios start (<c>--relay-mode process</c>: the
    /// relay in its own process, <see cref="Cli.RelayModeEnvironment"/>); the signaling run is not affected.
    /// </summary>
    public Dictionary<string, string> ServiceEnvironment { get; init; } = [];
    /// <summary>The exact command, for the report.</summary>
    public required string CommandLine { get; init; }
}

/// <summary>Everything a run of <c>all</c> measured: the raw JSON written next to the report.</summary>
public sealed record BenchmarkRun
{
    /// <summary>When it ran (UTC).</summary>
    public DateTimeOffset Date { get; init; } = DateTimeOffset.UtcNow;
    /// <summary>The machine.</summary>
    public required MachineInfo Machine { get; init; }
    /// <summary>The exact command.</summary>
    public required string Command { get; init; }
    /// <summary>Whether the short variant ran.</summary>
    public bool Quick { get; init; }
    /// <summary>Media used.</summary>
    public required string Media { get; init; }
    /// <summary>relay-cost: both targets after the same warm-up.</summary>
    public RelayCostResult? RelayCost { get; set; }
    /// <summary>relay-latency per target.</summary>
    public List<RelayLatencyResult> RelayLatency { get; init; } = [];
    /// <summary>capacity per target.</summary>
    public List<CapacityResult> Capacity { get; init; } = [];
    /// <summary>slow-viewer per target.</summary>
    public List<SlowViewerResult> SlowViewer { get; init; } = [];
    /// <summary>ttff per target.</summary>
    public List<TtffResult> Ttff { get; init; } = [];
    /// <summary>signaling: CallService and the ceiling.</summary>
    public List<SignalingResult> Signaling { get; init; } = [];
    /// <summary>Targets that could not be started, with the reason.</summary>
    public Dictionary<string, string> TargetErrors { get; init; } = [];
}

/// <summary>Runs every scenario on both targets and writes <c>docs/benchmarks.md</c> + <c>docs/benchmarks.json</c>.</summary>
public static class AllScenario
{
    /// <summary>Runs it.</summary>
    public static async Task<int> RunAsync(AllOptions options, CancellationToken cancellationToken)
    {
        var file = await CallLoadRunner.LoadMediaAsync(cancellationToken);
        var run = new BenchmarkRun
        {
            Machine = MachineInfo.Collect(),
            Command = options.CommandLine,
            Quick = options.Quick,
            Media = $"H.264 640x360 25 fps + AAC 48 kHz, {file.BitsPerSecond / 1000:F0} kbit/s, keyframe every 2 s, {file.Duration.TotalSeconds:F0} s looped, real-time pace",
        };
        var quick = options.Quick;
        var status = new RunStatus();
        var costOptions = quick
            ? new RelayCostOptions { Calls = 3, Warmup = TimeSpan.FromSeconds(3), Duration = TimeSpan.FromSeconds(4), SyscallWindow = TimeSpan.FromSeconds(2) }
            : new RelayCostOptions { Rounds = 2 }; // alternating rounds: a noisy spell on the shared machine hits both targets
        var costTargets = new[] { TargetKind.CallService, TargetKind.Nginx }
            .Select(kind => new TargetSpec
            {
                Kind = kind, ServiceDll = options.ServiceDll, NginxConfig = options.NginxConfig, ServiceEnvironment = options.ServiceEnvironment,
            }).ToList();
        run.RelayCost = await Cli.WithLiveView(status, () => RelayCostScenario.RunAsync(costTargets, file, costOptions, status, cancellationToken));
        Cli.Print(run.RelayCost);

        foreach (var kind in new[] { TargetKind.CallService, TargetKind.Nginx })
        {
            var spec = new TargetSpec
            {
                Kind = kind, ServiceDll = options.ServiceDll, NginxConfig = options.NginxConfig, ServiceEnvironment = options.ServiceEnvironment,
            };
            ITarget target;
            try
            {
                target = await TargetFactory.CreateAsync(spec);
            }
            catch (Exception ex)
            {
                run.TargetErrors[kind.ToString()] = ex.Message;
                AnsiConsole.MarkupLineInterpolated($"[red]{kind}: {ex.Message}[/]");
                continue;
            }
            await using (target)
            {
                var relay = await Cli.WithLiveView(status, () => RelayLatencyScenario.RunAsync(target, file, new RelayLatencyOptions
                {
                    Calls = options.LatencyCalls ?? (quick ? 5 : 50),
                    Duration = TimeSpan.FromSeconds(quick ? 5 : 20),
                }, status, cancellationToken));
                run.RelayLatency.Add(relay);
                Cli.Print(relay);
                var capacity = await Cli.WithLiveView(status, () => CapacityScenario.RunAsync(target, file, quick
                    ? new CapacityOptions { Start = 5, Step = 5, MaxCalls = 10, StepDuration = TimeSpan.FromSeconds(4) }
                    : new CapacityOptions { Start = 20, Step = 20, MaxCalls = 160, StepDuration = TimeSpan.FromSeconds(10) }, status, cancellationToken));
                run.Capacity.Add(capacity);
                Cli.Print(capacity);
                var slow = await Cli.WithLiveView(status, () => SlowViewerScenario.RunAsync(target, file,
                    new SlowViewerOptions { Duration = TimeSpan.FromSeconds(quick ? 8 : 20) }, status, cancellationToken));
                run.SlowViewer.Add(slow);
                Cli.Print(slow);
                var ttff = await Cli.WithLiveView(status, () => TtffScenario.RunAsync(target, file,
                    new TtffOptions { Joins = quick ? 6 : 40 }, status, cancellationToken));
                run.Ttff.Add(ttff);
                Cli.Print(ttff);
            }
        }

        // DESIGN §5's lifecycle: parties keep their token and socket across calls (pooled pairs).
        var signaling = new SignalingOptions { Rate = quick ? 50 : 1000, Duration = TimeSpan.FromSeconds(quick ? 3 : 10), PartyPool = quick ? 50 : 500 };
        try
        {
            await using var service = await CallServiceTarget.StartAsync(options.ServiceDll, requireRelay: false);
            var result = await Cli.WithLiveView(status, () => SignalingScenario.RunAsync(service, signaling, status, cancellationToken));
            run.Signaling.Add(result);
            Cli.Print(result);
        }
        catch (Exception ex)
        {
            run.TargetErrors["CallService signaling"] = ex.Message;
        }
        await using (var ceiling = await CeilingServer.StartProcessAsync())
        {
            var result = await Cli.WithLiveView(status, () => SignalingScenario.RunAsync(ceiling.Target, signaling, status, cancellationToken));
            run.Signaling.Add(result);
            Cli.Print(result);
        }

        var jsonPath = Path.ChangeExtension(options.ReportPath, ".json");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(options.ReportPath))!);
        await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(run, Json.Options), cancellationToken);
        await File.WriteAllTextAsync(options.ReportPath, MarkdownReport.Render(run, Path.GetFileName(jsonPath)), cancellationToken);
        AnsiConsole.MarkupLineInterpolated($"wrote [bold]{options.ReportPath}[/] and {jsonPath}");
        return 0;
    }
}

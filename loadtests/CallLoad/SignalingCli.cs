using CallLoad.Measuring;
using CallLoad.Scenarios;
using CallLoad.Targets;
using Spectre.Console;

namespace CallLoad;

/// <summary>What <c>signaling</c> was asked on the command line.</summary>
internal sealed record SignalingCommand
{
    /// <summary>Attach/start settings of CallService (<c>--target-url</c>, <c>--service-dll</c>, <c>--service-env</c>).</summary>
    public required TargetSpec Spec { get; init; }
    /// <summary><c>--ceiling</c>: drive only the minimal ASP.NET server.</summary>
    public bool Ceiling { get; init; }
    /// <summary><c>--ceiling-stack</c>: what the ceiling runs around its endpoints.</summary>
    public Ceiling.CeilingStack CeilingStack { get; init; }
    /// <summary><c>--compare-ceiling</c>: the ceiling, then CallService, in one invocation, with ratios.</summary>
    public bool CompareCeiling { get; init; }
    /// <summary><c>--provider</c>: sqlite or postgres.</summary>
    public string Provider { get; init; } = "sqlite";
    /// <summary><c>--nodes</c>: CallService processes (postgres only above 1).</summary>
    public int Nodes { get; init; } = 1;
    /// <summary><c>--pin</c>: server and generator on separate CPUs (taskset).</summary>
    public bool Pin { get; init; }
    /// <summary><c>--json-out</c>.</summary>
    public string? JsonOut { get; init; }
    /// <summary>Scenario settings.</summary>
    public required SignalingOptions Options { get; init; }
}

/// <summary>Runs <c>signaling</c>: starts the target(s), pins when asked, runs, prints, writes JSON.</summary>
internal static class SignalingCli
{
    public static Task<int> RunAsync(SignalingCommand command, CancellationToken cancellationToken) =>
        Cli.Guard(() => RunCoreAsync(command, cancellationToken));

    private static async Task<int> RunCoreAsync(SignalingCommand command, CancellationToken cancellationToken)
    {
        var options = command.Options;
        CpuPinning? pinning = null;
        if (command.Pin)
        {
            pinning = CpuPinning.ForThisMachine();
            if (pinning is null)
                AnsiConsole.MarkupLine("[yellow]--pin: fewer than two usable CPUs or no taskset; running unpinned[/]");
            else
            {
                CpuPinning.Pin(Environment.ProcessId, pinning.GeneratorList);
                options = options with { GeneratorCores = pinning.GeneratorCpus.Count, Pinning = pinning.ToString() };
                AnsiConsole.MarkupLineInterpolated($"[grey]pinned: {pinning.ToString()}[/]");
            }
        }
        var status = new RunStatus();
        if (options.GeneratorWarmup > TimeSpan.Zero)
        {
            // Before any target starts: a target measured cold (--warmup 0) then meets a generator whose code is compiled.
            await using var throwaway = await Ceiling.CeilingServer.StartProcessAsync(pinning?.ServerList);
            var (warmed, failed) = await Cli.WithLiveView(status, () => SignalingScenario.WarmGeneratorAsync(throwaway.Target, options, status, cancellationToken));
            if (warmed == 0 || failed > 0)
                AnsiConsole.MarkupLineInterpolated($"[yellow]generator warm-up: {warmed} lifecycles completed, {failed} failed against the throwaway ceiling server: the generator may still be cold in the window's first seconds[/]");
            else
                AnsiConsole.MarkupLineInterpolated($"[grey]generator warm-up: {warmed} lifecycles in {options.GeneratorWarmup.TotalSeconds:F0} s against a throwaway ceiling server (not measured)[/]");
        }
        object report;
        if (command.Ceiling)
            report = await CeilingAsync(command, pinning, options, status, cancellationToken);
        else if (command.CompareCeiling)
        {
            var ceiling = await CeilingAsync(command, pinning, options, status, cancellationToken);
            var service = await ServiceAsync(command, pinning, options, status, cancellationToken);
            report = new SignalingComparison(ceiling, service);
        }
        else
            report = await ServiceAsync(command, pinning, options, status, cancellationToken);

        foreach (var result in report is SignalingComparison c ? [c.Ceiling, c.Service] : new[] { (SignalingResult)report })
        {
            Cli.Print(result);
            if (result.GeneratorSaturated)
                AnsiConsole.MarkupLineInterpolated($"[red]GENERATOR SATURATED on {result.Target}[/] ({result.Generator.Reason}): these figures show the generator's limit, not the server's.");
        }
        if (report is SignalingComparison comparison)
            AnsiConsole.MarkupLineInterpolated($"[bold]CallService ÷ ceiling:[/] {string.Join(", ", comparison.Ratios.Select(r => $"{r.Key} {(r.Value is { } v ? v.ToString("F2", System.Globalization.CultureInfo.InvariantCulture) : "–")}"))}");
        await Cli.WriteJsonAsync(command.JsonOut, report);
        return 0;
    }

    private static async Task<SignalingResult> CeilingAsync(
        SignalingCommand command, CpuPinning? pinning, SignalingOptions options, RunStatus status, CancellationToken cancellationToken)
    {
        await using var server = await Ceiling.CeilingServer.StartProcessAsync(pinning?.ServerList, command.CeilingStack);
        return await Cli.WithLiveView(status, () => SignalingScenario.RunAsync(server.Target, options, status, cancellationToken));
    }

    private static async Task<SignalingResult> ServiceAsync(
        SignalingCommand command, CpuPinning? pinning, SignalingOptions options, RunStatus status, CancellationToken cancellationToken)
    {
        if (command.Spec.TargetUrl is { } url)
        {
            var attached = (ISignalingTarget)await TargetFactory.CreateAsync(command.Spec with { Kind = TargetKind.CallService, RequireRelay = false });
            return await Cli.WithLiveView(status, () => SignalingScenario.RunAsync(attached, options, status, cancellationToken));
        }
        await using var nodes = await SignalingNodes.StartAsync(new SignalingNodesSpec
        {
            Provider = command.Provider,
            Nodes = command.Nodes,
            ServiceDll = command.Spec.ServiceDll,
            Environment = command.Spec.ServiceEnvironment,
            ServerCpus = pinning?.ServerList,
        });
        return await Cli.WithLiveView(status, () => SignalingScenario.RunAsync(nodes, options, status, cancellationToken));
    }
}

using CallLoad.Measuring;

namespace CallLoad.Scenarios;

/// <summary>Settings of <c>signaling</c>.</summary>
public sealed record SignalingOptions
{
    /// <summary>Lifecycles started per second (open loop).</summary>
    public int Rate { get; init; } = 100;
    /// <summary>How long new lifecycles are started.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>At most this many lifecycles in flight; beyond it a start is skipped and counted as failed.</summary>
    public int MaxInFlight { get; init; } = 1000;
    /// <summary>
    /// 0: every lifecycle gets two fresh users with their own tokens and sockets (the lifecycle as first specified). N &gt; 0: N user
    /// pairs with tokens and open sockets are set up first and reused, one lifecycle at a time per pair, so the
    /// timed work is exactly DESIGN §5's lifecycle (a real client keeps its token and socket across calls).
    /// </summary>
    public int PartyPool { get; init; }

    /// <summary>Lifecycles run (and discarded) first, one after another, so connection pools are warm.</summary>
    public int WarmupLifecycles { get; init; } = 20;

    /// <summary>
    /// Then lifecycles run open loop (and are discarded) at <see cref="WarmupRate"/> (at most the target rate) for this
    /// long, at most <see cref="Duration"/>, after the pool is set up: the server's hot paths reach optimised (tier-1)
    /// code before the measured window, so the figures are the steady state, not the JIT's. Measured on CallService:
    /// tier-1 compilation of the ~2,000 hot methods only starts once no new methods appear for a while and then runs
    /// for several seconds (up to a fifth of the server's CPU); 8 s covers it on 2 cores. Zero measures a cold start.
    /// </summary>
    public TimeSpan WarmupDuration { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>Lifecycles per second during <see cref="WarmupDuration"/> (capped at <see cref="Rate"/>).</summary>
    public int WarmupRate { get; init; } = 300;

    /// <summary><see cref="WarmupRate"/> capped at <see cref="Rate"/> (at least 1/s): the rate of both warm-ups.</summary>
    public int CappedWarmupRate => Math.Min(Rate, Math.Max(1, WarmupRate));

    /// <summary>
    /// Before any target starts, the generator runs lifecycles at <see cref="WarmupRate"/> (at most <see cref="Rate"/>)
    /// for this long against a throwaway ceiling server (<see cref="SignalingScenario.WarmGeneratorAsync"/>), so its own HTTP, WebSocket and JSON
    /// code is compiled before a window that starts cold (<see cref="WarmupDuration"/> zero): without it, the first
    /// seconds of such a window measured the generator's JIT beside the server's (it used 0.56–1.0 of a core in the first
    /// 6 s against 0.40–0.52 later, at 1,000/s on 2 cores: docs/performance-notes.md, session 16). Zero skips it.
    /// </summary>
    public TimeSpan GeneratorWarmup { get; init; }

    /// <summary>Per-step timeout (HTTP request or awaited event).</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// After the measured window, lifecycles go on at the same rate for this long with <c>strace -c -f</c> attached to
    /// every server process (tracing slows the server, so no other figure is taken then); 0 skips it.
    /// </summary>
    public TimeSpan SyscallWindow { get; init; }

    /// <summary>
    /// Length of the timeline's slices (<see cref="SignalingResult.Timeline"/>): completions, lifecycle p50/p99, server
    /// CPU per lifecycle and RSS per slice of the measured window.
    /// </summary>
    public TimeSpan TimelineSlice { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Cores the generator may run on (its share of them decides saturation); default: all of this process's.</summary>
    public int GeneratorCores { get; init; } = Environment.ProcessorCount;

    /// <summary>How server and generator were placed on CPUs, for the report (empty: not pinned).</summary>
    public string Pinning { get; init; } = "";
}

/// <summary>Result of <c>signaling</c>.</summary>
public sealed record SignalingResult
{
    /// <summary>Target name.</summary>
    public required string Target { get; init; }
    /// <summary>Storage provider (<c>sqlite</c>, <c>postgres</c>), null for the ceiling.</summary>
    public string? Provider { get; init; }
    /// <summary>Server processes (nodes).</summary>
    public int Nodes { get; init; } = 1;
    /// <summary>Asked rate, lifecycles/s.</summary>
    public int TargetRate { get; init; }
    /// <summary>Completed lifecycles per second of the run.</summary>
    public double AchievedRate { get; init; }
    /// <summary>Completed lifecycles.</summary>
    public int Completed { get; init; }
    /// <summary>Failed or skipped lifecycles.</summary>
    public int Failed { get; init; }
    /// <summary>Lifecycles that failed because an awaited event never came (a lost event).</summary>
    public int LostEvents { get; init; }
    /// <summary>Lifecycle from the create request to the callee's <c>call.ended</c> (tokens and sockets excluded), ms.</summary>
    public Summary Lifecycle { get; init; } = Summary.Empty;
    /// <summary>Per request kind, ms.</summary>
    public Dictionary<string, Summary> Requests { get; init; } = [];
    /// <summary>Realtime events: arrival on the party's socket − start of the request that caused it, ms.</summary>
    public Summary Events { get; init; } = Summary.Empty;
    /// <summary>Server CPU seconds in the measured window (every node).</summary>
    public double CpuSeconds { get; init; }
    /// <summary>Server CPU per completed lifecycle, ms.</summary>
    public double CpuMsPerLifecycle { get; init; }
    /// <summary>Database server CPU seconds in the window (PostgreSQL processes; 0 for SQLite, which runs inside the node).</summary>
    public double DatabaseCpuSeconds { get; init; }
    /// <summary>Server context switches (voluntary + involuntary, every thread) per completed lifecycle.</summary>
    public double ContextSwitchesPerLifecycle { get; init; }
    /// <summary>
    /// The servers' garbage collections in the measured window and how long each stood the process still
    /// (<see cref="GcPauseTrace"/>; every node together). A pause stops every request in flight, so the longest ones
    /// show in the lifecycle p99.
    /// </summary>
    public GcPauses Gc { get; init; } = GcPauses.None;
    /// <summary>Share of the window a server stood still for its collector (the pauses ÷ the window ÷ the traced servers); 0 when none was traced.</summary>
    public double GcPausedShare { get; init; }
    /// <summary>Servers whose collector was traced (0: not traced — no diagnostics port — as opposed to traced with no collection).</summary>
    public int GcTracedServers { get; init; }
    /// <summary>Peak server RSS, MiB (the largest node).</summary>
    public double PeakRssMiB { get; init; }
    /// <summary>Server RSS at the start and at the end of the measured window, MiB (summed over nodes).</summary>
    public double RssStartMiB { get; init; }
    /// <summary>See <see cref="RssStartMiB"/>.</summary>
    public double RssEndMiB { get; init; }
    /// <summary>The generator's own load in the measured window, and whether it saturated.</summary>
    public GeneratorLoad Generator { get; init; } = new();
    /// <summary>True when the generator saturated: the figures describe the generator, not the server.</summary>
    public bool GeneratorSaturated => Generator.Saturated;
    /// <summary>CPU seconds the rest of the machine (other jobs) used in the window: machine busy − server − database − generator.</summary>
    public double OtherCpuSeconds { get; init; }
    /// <summary>1-minute load average at the start and end of the window.</summary>
    public double LoadAverageStart { get; init; }
    /// <summary>See <see cref="LoadAverageStart"/>.</summary>
    public double LoadAverageEnd { get; init; }
    /// <summary>How server and generator were placed on CPUs (empty: not pinned).</summary>
    public string Pinning { get; init; } = "";
    /// <summary>System calls per completed lifecycle in the traced window, most frequent first (empty when not traced).</summary>
    public Dictionary<string, double> SyscallsPerLifecycle { get; init; } = [];
    /// <summary>Total system calls per completed lifecycle in the traced window (0 when not traced).</summary>
    public double SyscallsTotalPerLifecycle { get; init; }
    /// <summary>Reused party pairs (0 = fresh users, tokens and sockets per lifecycle).</summary>
    public int PartyPool { get; init; }
    /// <summary>First distinct failures.</summary>
    public List<string> Errors { get; init; } = [];
    /// <summary>The measured window slice by slice (<see cref="SignalingOptions.TimelineSlice"/>): is RSS flat, is the first minute like the rest.</summary>
    public List<TimelineSlice> Timeline { get; init; } = [];
}

/// <summary>Two signaling runs of one invocation (the ceiling, then CallService) and their ratios.</summary>
public sealed record SignalingComparison(SignalingResult Ceiling, SignalingResult Service)
{
    /// <summary>CallService ÷ ceiling: lifecycle p99, event p99, CPU per lifecycle, syscalls per lifecycle (null where the ceiling's is 0).</summary>
    public Dictionary<string, double?> Ratios { get; } = new()
    {
        ["lifecycleP50"] = Ratio(Service.Lifecycle.P50, Ceiling.Lifecycle.P50),
        ["lifecycleP99"] = Ratio(Service.Lifecycle.P99, Ceiling.Lifecycle.P99),
        ["eventP99"] = Ratio(Service.Events.P99, Ceiling.Events.P99),
        ["cpuPerLifecycle"] = Ratio(Service.CpuMsPerLifecycle, Ceiling.CpuMsPerLifecycle),
        ["syscallsPerLifecycle"] = Ratio(Service.SyscallsTotalPerLifecycle, Ceiling.SyscallsTotalPerLifecycle),
        ["contextSwitchesPerLifecycle"] = Ratio(Service.ContextSwitchesPerLifecycle, Ceiling.ContextSwitchesPerLifecycle),
        ["gcPausedShare"] = Ratio(Service.GcPausedShare, Ceiling.GcPausedShare),
    };

    private static double? Ratio(double ours, double theirs) => theirs > 0 ? Math.Round(ours / theirs, 2) : null;
}

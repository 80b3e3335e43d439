namespace CallLoad.Measuring;

/// <summary>
/// How loaded the load generator itself was in a measured window, so a result from a generator that could not keep
/// up is never reported as the server's: its CPU (utime + stime of this process from <c>/proc/self/stat</c> ÷ wall
/// time ÷ the cores it may run on) and how late it started lifecycles against its open-loop schedule.
/// </summary>
public sealed record GeneratorLoad
{
    /// <summary>At or above this share of its cores the generator is taken as saturated.</summary>
    public const double SaturatedCpuShare = 0.90;

    /// <summary>Lifecycle starts this late (p99) or later mean the generator fell behind its schedule, ms.</summary>
    public const double SaturatedLagP99Ms = 50;

    /// <summary>Generator CPU seconds in the window.</summary>
    public double CpuSeconds { get; init; }
    /// <summary>Window length, s.</summary>
    public double WallSeconds { get; init; }
    /// <summary>Cores the generator may run on (1 when pinned).</summary>
    public int Cores { get; init; }
    /// <summary>CPU ÷ wall ÷ cores (1 = every core it may use fully busy).</summary>
    public double CpuShare { get; init; }
    /// <summary>Start of a lifecycle − its due time on the schedule: p50 / p99 / max, ms.</summary>
    public Summary ScheduleLag { get; init; } = Summary.Empty;
    /// <summary>True when <see cref="CpuShare"/> ≥ 90 % or the schedule lag p99 ≥ 50 ms.</summary>
    public bool Saturated { get; init; }
    /// <summary>Why it counts as saturated (empty when not).</summary>
    public string Reason { get; init; } = "";

    /// <summary>
    /// CPU seconds ÷ wall seconds ÷ cores (1 = every core it may use fully busy); 0 for an empty span or no cores. Used
    /// for the whole window here and for each timeline slice (<see cref="TimelineRecorder"/>).
    /// </summary>
    public static double ShareOf(double cpuSeconds, double wallSeconds, int cores) =>
        wallSeconds > 0 && cores > 0 ? cpuSeconds / wallSeconds / cores : 0;

    /// <summary>Builds the verdict from the measured figures.</summary>
    public static GeneratorLoad Of(double cpuSeconds, double wallSeconds, int cores, IReadOnlyCollection<double> lagMs)
    {
        var share = ShareOf(cpuSeconds, wallSeconds, cores);
        var lag = Summary.Of(lagMs);
        var reasons = new List<string>();
        if (share >= SaturatedCpuShare)
            reasons.Add($"generator CPU {share * 100:F0} % of its {cores} core(s)");
        if (lag.P99 >= SaturatedLagP99Ms)
            reasons.Add($"start schedule behind by {lag.P99:F0} ms (p99)");
        return new GeneratorLoad
        {
            CpuSeconds = Math.Round(cpuSeconds, 2),
            WallSeconds = Math.Round(wallSeconds, 2),
            Cores = cores,
            CpuShare = Math.Round(share, 3),
            ScheduleLag = lag,
            Saturated = reasons.Count > 0,
            Reason = string.Join("; ", reasons),
        };
    }
}

namespace CallService.Media.ProcessMode;

/// <summary>
/// How a relay process that died is started again (<c>Media:RelayRestart:*</c>, milliseconds): after
/// <see cref="InitialDelay"/>, doubling with each further restart that follows the previous start within
/// <see cref="StableAfter"/>, up to <see cref="MaxDelay"/>; a relay that ran longer starts the series again.
/// </summary>
/// <param name="InitialDelay">First delay (<c>Media:RelayRestart:InitialDelayMs</c>, default 500, 0–60000).</param>
/// <param name="MaxDelay">Largest delay (<c>Media:RelayRestart:MaxDelayMs</c>, default 30000, ≥ the first, ≤ 600000).</param>
internal sealed record RelayRestartOptions(TimeSpan InitialDelay, TimeSpan MaxDelay)
{
    /// <summary>The configuration section.</summary>
    public const string SectionKey = "Media:RelayRestart";

    /// <summary>The first delay's key.</summary>
    public const string InitialDelayKey = SectionKey + ":InitialDelayMs";

    /// <summary>The largest delay's key.</summary>
    public const string MaxDelayKey = SectionKey + ":MaxDelayMs";

    /// <summary>A relay that stayed up this long after its ready message restarts at the first delay again.</summary>
    public static readonly TimeSpan StableAfter = TimeSpan.FromMinutes(1);

    /// <summary>The options in <paramref name="configuration"/>.</summary>
    /// <exception cref="InvalidOperationException">A value is not a number in its range.</exception>
    public static RelayRestartOptions From(IConfiguration configuration)
    {
        var initial = Milliseconds(configuration, InitialDelayKey, 500, 0, 60_000);
        var max = Milliseconds(configuration, MaxDelayKey, Math.Max(30_000, initial), Math.Max(initial, 1), 600_000);
        return new RelayRestartOptions(TimeSpan.FromMilliseconds(initial), TimeSpan.FromMilliseconds(max));
    }

    /// <summary>The delay before restart number <paramref name="attempt"/> (0 for the first of a series).</summary>
    public TimeSpan DelayOf(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(MaxDelay.TotalMilliseconds, InitialDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30))));

    private static int Milliseconds(IConfiguration configuration, string key, int fallback, int min, int max)
    {
        if (configuration[key] is not { Length: > 0 } text) return fallback;
        if (int.TryParse(text, out var value) && value >= min && value <= max) return value;
        throw new InvalidOperationException($"{key} must be a whole number of milliseconds from {min} to {max}.");
    }
}

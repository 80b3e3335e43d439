namespace CallLoad.Measuring;

/// <summary>Count, mean and nearest-rank percentiles of a sample (milliseconds unless said otherwise).</summary>
public sealed record Summary(int Count, double Mean, double P50, double P95, double P99, double Max)
{
    /// <summary>The summary of an empty sample (all zero).</summary>
    public static readonly Summary Empty = new(0, 0, 0, 0, 0, 0);

    /// <summary>Summarises <paramref name="values"/> (any order; not modified).</summary>
    public static Summary Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
            return Empty;
        var sorted = values.ToArray();
        Array.Sort(sorted);
        return new Summary(sorted.Length, sorted.Average(), Percentiles.NearestRank(sorted, 50),
            Percentiles.NearestRank(sorted, 95), Percentiles.NearestRank(sorted, 99), sorted[^1]);
    }
}

/// <summary>Percentile maths.</summary>
public static class Percentiles
{
    /// <summary>
    /// Nearest-rank percentile of an ascending sample: the smallest value with at least <paramref name="percent"/> %
    /// of the sample at or below it (so p100 = max, p0 = min, and the result is always a measured value).
    /// </summary>
    public static double NearestRank(IReadOnlyList<double> sorted, double percent)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(percent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        if (sorted.Count == 0)
            throw new ArgumentException("Empty sample.", nameof(sorted));
        var rank = (int)Math.Ceiling(percent / 100 * sorted.Count);
        return sorted[Math.Max(rank, 1) - 1];
    }
}

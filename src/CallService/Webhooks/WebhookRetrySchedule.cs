namespace CallService.Webhooks;

/// <summary>
/// Exponential back-off with jitter ("equal jitter", AWS Architecture Blog, "Exponential Backoff And Jitter"): after
/// attempt n the next one waits d/2 + random(0, d/2) with d = min(first × 2^(n−1), max). Half of the delay is fixed,
/// so a receiver that is down is not hammered; the random half spreads the retries of many messages that failed at
/// once. Defaults (30 s first, 1 h cap, 10 attempts): d = 30 s, 1, 2, 4, 8, 16, 32 min, 1 h, 1 h → the last attempt
/// about 1.5–3 h after the first.
/// </summary>
internal sealed class WebhookRetrySchedule(TimeSpan first, TimeSpan max, Func<double>? random = null)
{
    private readonly Func<double> _random = random ?? Random.Shared.NextDouble;

    public WebhookRetrySchedule(WebhookOptions options) : this(options.FirstRetryDelay, options.MaxRetryDelay)
    {
    }

    /// <summary>The longest wait after attempt <paramref name="attemptsMade"/> (1-based): d above, before jitter.</summary>
    public TimeSpan Ceiling(int attemptsMade)
    {
        var exponent = Math.Min(Math.Max(attemptsMade, 1) - 1, 40);
        var seconds = Math.Min(first.TotalSeconds * Math.Pow(2, exponent), max.TotalSeconds);
        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>The wait after attempt <paramref name="attemptsMade"/> (1-based), in [d/2, d].</summary>
    public TimeSpan Delay(int attemptsMade)
    {
        var ceiling = Ceiling(attemptsMade);
        return ceiling / 2 + ceiling / 2 * Math.Clamp(_random(), 0, 1);
    }
}

namespace CallService.RateLimits;

/// <summary>
/// <c>RateLimits</c>: token buckets (ASP.NET Core's rate limiter, <c>System.Threading.RateLimiting</c>) on the three
/// requests a misbehaving client can repeat cheaply. Each limit has one bucket per API key (<c>PerApiKey</c>) and one
/// per user token's user (<c>PerUser</c>); the caller's credentials choose the bucket.
/// </summary>
internal sealed class RateLimitOptions
{
    public const string SectionName = "RateLimits";

    /// <summary><c>false</c>: no request is limited (the endpoints keep their policies, which then never refuse).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary><c>POST /v1/tokens</c>. Only the API key may issue tokens (a user token is refused before the limiter).</summary>
    public EndpointLimits TokenIssue { get; set; } = new()
    {
        PerApiKey = new BucketLimits { Permits = 2500, PeriodSeconds = 1, Burst = 5000 },
        PerUser = new BucketLimits { Permits = 10, PeriodSeconds = 1, Burst = 20 },
    };

    /// <summary><c>POST /v1/calls</c>, with the API key (the backend) or a user token (the caller).</summary>
    public EndpointLimits CallCreation { get; set; } = new()
    {
        PerApiKey = new BucketLimits { Permits = 2500, PeriodSeconds = 1, Burst = 5000 },
        PerUser = new BucketLimits { Permits = 5, PeriodSeconds = 1, Burst = 10 },
    };

    /// <summary><c>POST /v1/calls/{callId}/events</c> (a party's token; the API key is refused by the handler after the limiter).</summary>
    public EndpointLimits StatusReports { get; set; } = new()
    {
        PerApiKey = new BucketLimits { Permits = 2500, PeriodSeconds = 1, Burst = 5000 },
        PerUser = new BucketLimits { Permits = 20, PeriodSeconds = 1, Burst = 50 },
    };

    /// <summary>Every limit with its configuration path, for validation.</summary>
    public IEnumerable<(string Path, BucketLimits Limits)> All()
    {
        foreach (var (name, endpoint) in new[] { ("TokenIssue", TokenIssue), ("CallCreation", CallCreation), ("StatusReports", StatusReports) })
        {
            yield return ($"{SectionName}:{name}:PerApiKey", endpoint.PerApiKey);
            yield return ($"{SectionName}:{name}:PerUser", endpoint.PerUser);
        }
    }
}

/// <summary>The two buckets of one limited endpoint.</summary>
internal sealed class EndpointLimits
{
    /// <summary>One bucket per configured API key (<c>Auth:ApiKeys:N</c>).</summary>
    public BucketLimits PerApiKey { get; set; } = new();

    /// <summary>One bucket per user (the user token's user id).</summary>
    public BucketLimits PerUser { get; set; } = new();
}

/// <summary>
/// A token bucket: <see cref="Burst"/> requests at once, refilled continuously at <see cref="Permits"/> per
/// <see cref="PeriodSeconds"/> (<c>TokenBucketRateLimiterOptions</c>: <c>TokenLimit</c> = Burst, <c>TokensPerPeriod</c> =
/// Permits, <c>ReplenishmentPeriod</c> = PeriodSeconds; no queue).
/// </summary>
internal sealed class BucketLimits
{
    public const int Max = 1_000_000;
    public const int MaxPeriodSeconds = 3600;

    /// <summary>Requests added back to the bucket per <see cref="PeriodSeconds"/> (1 – 1,000,000).</summary>
    public int Permits { get; set; } = 1;

    /// <summary>The refill period, seconds (1 – 3600): e.g. 30 permits per 60 s for a slow sustained rate.</summary>
    public int PeriodSeconds { get; set; } = 1;

    /// <summary>Bucket size: requests that may come at once after a quiet period (1 – 1,000,000).</summary>
    public int Burst { get; set; } = 1;

    public bool IsValid => Permits is >= 1 and <= Max && PeriodSeconds is >= 1 and <= MaxPeriodSeconds && Burst is >= 1 and <= Max;

    public System.Threading.RateLimiting.TokenBucketRateLimiterOptions ToTokenBucket() => new()
    {
        TokenLimit = Burst,
        TokensPerPeriod = Permits,
        ReplenishmentPeriod = TimeSpan.FromSeconds(PeriodSeconds),
        QueueLimit = 0, // refuse at once: a queued request would only answer later, and hold a connection meanwhile
        // A partitioned limiter refills its buckets itself (one timer, every 100 ms), pro rata to the elapsed time.
    };
}

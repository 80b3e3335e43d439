namespace CallService.Calls;

/// <summary>Coordinator settings (<c>Calls:*</c>). Per-call overrides must stay within the validated ranges.</summary>
internal sealed class CallOptions
{
    public const string SectionName = "Calls";

    public int RingTimeoutSeconds { get; set; } = 30;
    public int MediaJoinTimeoutSeconds { get; set; } = 20;
    public int PublisherLostGraceSeconds { get; set; } = 10;
    public int MaxDurationSeconds { get; set; } = 7200;

    /// <summary>How long an ended call stays in memory (for GET, retries and relay refusals) before only its record remains.</summary>
    public int RetainEndedSeconds { get; set; } = 60;

    /// <summary>
    /// At most this many ended calls stay in memory (the oldest leave first, to their records), so the memory they hold
    /// is bounded whatever the call rate: ~2.2 KB of GC heap each (two <c>dotnet-gcdump</c>s at the same call rate with
    /// 11,233 and 2,282 held, docs/performance-notes.md), 10,000 ≈ 22 MB. 0 keeps none beyond their last write.
    /// </summary>
    public int RetainEndedMaxCalls { get; set; } = 10_000;

    /// <summary><c>rtmp</c> or <c>flv</c>: which play URL clients are told to use.</summary>
    public string PlayFormat { get; set; } = "rtmp";
}

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

    /// <summary><c>rtmp</c> or <c>flv</c>: which play URL clients are told to use.</summary>
    public string PlayFormat { get; set; } = "rtmp";
}

namespace CallContracts.Calls;

/// <summary>A party named in a request: <c>{"userId":"alice"}</c>.</summary>
public sealed record PartyRef
{
    /// <summary>Business user id: 1–64 characters from <c>[A-Za-z0-9_.@-]</c>.</summary>
    public string? UserId { get; init; }
}

/// <summary>Optional pusher settings in a request. Only <c>mode: "RTC"</c> is accepted (DESIGN §3.2).</summary>
public sealed record PusherModeRequest
{
    /// <summary>Must be <c>RTC</c> when given; live modes (SD/HD/FHD/live) are a validation error.</summary>
    public string? Mode { get; init; }
}

/// <summary>Optional player settings in a request. Only <c>mode: "RTC"</c> is accepted (DESIGN §3.2).</summary>
public sealed record PlayerModeRequest
{
    /// <summary>Must be <c>RTC</c> when given; <c>live</c> is a validation error.</summary>
    public string? Mode { get; init; }
}

/// <summary>
/// Body of <c>POST /v1/calls</c>. With the API key, <see cref="Caller"/> is required; with a user token the
/// token's user is the caller (a different <see cref="Caller"/> is refused with 403).
/// </summary>
public sealed record CreateCallRequest
{
    /// <summary>Party A (publishes <c>{callId}-a</c>).</summary>
    public PartyRef? Caller { get; init; }

    /// <summary>Party B (publishes <c>{callId}-b</c>). Must differ from the caller.</summary>
    public PartyRef? Callee { get; init; }

    /// <summary><c>customer_service</c>, <c>loss_assessment</c>, <c>telemedicine</c> or <c>general</c> (default).</summary>
    public string? Scenario { get; init; }

    /// <summary><c>true</c>: the call starts <c>ringing</c> and the callee must accept; <c>false</c> (default): starts <c>accepted</c>.</summary>
    public bool? Ring { get; init; }

    /// <summary>Optional pusher settings; only the mode may be given and it must be RTC.</summary>
    public PusherModeRequest? Pusher { get; init; }

    /// <summary>Optional player settings; only the mode may be given and it must be RTC.</summary>
    public PlayerModeRequest? Player { get; init; }

    /// <summary>Seconds the callee has to answer (5–120, default 30) before the call ends <c>no_answer</c>.</summary>
    public int? RingTimeoutSeconds { get; init; }

    /// <summary>Seconds after accept within which each party must publish (5–120, default 20), else <c>media_timeout</c>.</summary>
    public int? MediaJoinTimeoutSeconds { get; init; }

    /// <summary>Seconds a lost publisher may take to come back (1–60, default 10), else <c>media_lost</c>.</summary>
    public int? PublisherLostGraceSeconds { get; init; }

    /// <summary>Maximum call duration in seconds (60–86400, default 7200), else <c>max_duration</c>.</summary>
    public int? MaxDurationSeconds { get; init; }

    /// <summary>
    /// <c>off</c>, <c>on</c> (both legs recorded from accept to end) or <c>consent</c> (recorded only while both parties
    /// agree, <c>POST /v1/calls/{id}/consent</c>). Default: <c>Recording:Scenarios:&lt;scenario&gt;</c>, else
    /// <c>Recording:DefaultMode</c> (<c>off</c>).
    /// </summary>
    public string? Recording { get; init; }
}

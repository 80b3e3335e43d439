namespace CallContracts.Calls;

/// <summary>
/// Body of <c>POST /v1/calls/{id}/events</c>: one status code
/// (<c>{"component":"player","code":-2301}</c>) or several (<c>{"events":[…]}</c>).
/// </summary>
public sealed record StatusReportRequest
{
    /// <summary><c>pusher</c> (live-pusher bindstatechange), <c>player</c> (live-player bindstatechange) or <c>error</c> (binderror).</summary>
    public string? Component { get; init; }

    /// <summary>The reported code, e.g. <c>-2301</c>.</summary>
    public int? Code { get; init; }

    /// <summary>Optional free text from the client (not interpreted).</summary>
    public string? Message { get; init; }

    /// <summary>Several reports at once, processed in order (then the single-report fields must be absent).</summary>
    public IReadOnlyList<StatusReportRequest>? Events { get; init; }
}

/// <summary>Answer to a status report (202).</summary>
/// <param name="Action"><c>hangup</c> when the call is (now) ended and the client should close its page, else <c>none</c>.</param>
/// <param name="Call">The call after processing the report.</param>
public sealed record StatusReportResponse(string Action, CallResponse Call);

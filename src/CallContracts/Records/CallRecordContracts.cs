using System.Text.Json.Serialization;
using CallContracts.Calls;
using CallContracts.Evidence;

namespace CallContracts.Records;

/// <summary>A call detail record (CDR) as kept in storage.</summary>
/// <param name="CallId">The call id.</param>
/// <param name="State">State when last written.</param>
/// <param name="Scenario">Scenario.</param>
/// <param name="CallerUserId">Party A.</param>
/// <param name="CalleeUserId">Party B.</param>
/// <param name="Ring">Whether the call rang.</param>
/// <param name="CreatedAt">Creation time.</param>
/// <param name="AcceptedAt">Accept time, else null.</param>
/// <param name="ConnectedAt">Connect time, else null.</param>
/// <param name="EndedAt">End time, else null.</param>
/// <param name="EndReason">End reason, else null.</param>
/// <param name="EndedBy"><c>a</c>, <c>b</c>, <c>system</c>, else null.</param>
/// <param name="Code">Status code that ended the call, else null.</param>
/// <param name="DurationSeconds">Seconds from accept to end (null when never accepted or not ended).</param>
/// <param name="Quality">Per-party warning counters.</param>
/// <param name="Transitions">Every state change with its time, oldest first.</param>
/// <param name="Evidence">Recordings, snapshots, consents and erasures; absent when the call was never recorded nor photographed.</param>
public sealed record CallRecordResponse(
    string CallId,
    string State,
    string Scenario,
    string CallerUserId,
    string CalleeUserId,
    bool Ring,
    DateTimeOffset CreatedAt,
    DateTimeOffset? AcceptedAt,
    DateTimeOffset? ConnectedAt,
    DateTimeOffset? EndedAt,
    string? EndReason,
    string? EndedBy,
    int? Code,
    double? DurationSeconds,
    RecordQuality Quality,
    IReadOnlyList<CallTransitionResponse> Transitions,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] CallEvidenceView? Evidence = null);

/// <summary>Warning counters of both parties.</summary>
/// <param name="A">Caller's counters.</param>
/// <param name="B">Callee's counters.</param>
public sealed record RecordQuality(PartyQuality A, PartyQuality B);

/// <summary>One state change.</summary>
/// <param name="State">The state entered.</param>
/// <param name="At">When.</param>
/// <param name="Detail">What caused it (e.g. <c>accept by b</c>, <c>media_lost by a</c>).</param>
public sealed record CallTransitionResponse(string State, DateTimeOffset At, string? Detail);

/// <summary>Body of <c>GET /v1/records</c>: newest first.</summary>
/// <param name="Records">This page.</param>
/// <param name="NextCursor">Pass as <c>cursor</c> for the next page; null on the last page.</param>
public sealed record RecordsPage(IReadOnlyList<CallRecordResponse> Records, string? NextCursor);

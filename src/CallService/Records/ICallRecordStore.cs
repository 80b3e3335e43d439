using CallService.Calls;

namespace CallService.Records;

/// <summary>Query for <c>GET /v1/records</c>: newest first, keyset-paged.</summary>
internal sealed record RecordQuery(string? UserId, DateTimeOffset? From, DateTimeOffset? To, int Limit, RecordCursor? After);

/// <summary>Position after the last record of a page (created time, then call id, both descending).</summary>
internal sealed record RecordCursor(long CreatedAtMs, string CallId);

/// <summary>
/// Durable call records (CDRs). The SQLite implementation is the default; a PostgreSQL one (Npgsql) can
/// implement the same interface when several nodes share state. Implementations throw on failure; callers
/// turn that into 503 problem details.
/// </summary>
internal interface ICallRecordStore
{
    /// <summary>Creates the schema if needed.</summary>
    void Initialize();

    /// <summary>Ends every call not ended (the previous process stopped without ending them). Returns how many.</summary>
    IReadOnlyList<string> EndUnfinished(DateTimeOffset at);

    /// <summary>Writes the call's current row and appends <paramref name="newTransitions"/>.</summary>
    void Save(CallSnapshot call, IReadOnlyList<CallTransition> newTransitions);

    CallSnapshot? Find(string callId);

    IReadOnlyList<CallSnapshot> Query(RecordQuery query);
}

using CallService.Evidence;

namespace CallService.Storage;

/// <summary>
/// Where the evidence of calls is kept (<see cref="CallEvidence"/>: recording state, segments, files with their
/// hashes, snapshots, consent answers, erasures): one JSON document per call, beside the call records. SQLite
/// (<c>{data}/evidence.db</c>) or PostgreSQL (table <c>call_evidence</c>) as <c>Storage:Provider</c> says. Implementations
/// throw on failure; callers turn that into 503 problem details.
/// </summary>
internal interface IEvidenceStore
{
    /// <summary>Creates the schema if missing.</summary>
    void Initialize();

    /// <summary>Writes the call's evidence as it is now (insert or replace).</summary>
    void Save(CallEvidence evidence, DateTimeOffset at);

    CallEvidence? Find(string callId);

    /// <summary>The evidence of each of <paramref name="callIds"/> that has any (for a page of records).</summary>
    IReadOnlyDictionary<string, CallEvidence> FindMany(IReadOnlyCollection<string> callIds);

    /// <summary>Evidence of <paramref name="nodeId"/> left <c>recording</c>, <c>processing</c> or <c>waiting_consent</c> (a previous run stopped mid-way).</summary>
    IReadOnlyList<CallEvidence> Unfinished(string nodeId);

    /// <summary>Evidence holding media older than <paramref name="before"/> (the retention sweeper's work), at most <paramref name="limit"/>.</summary>
    IReadOnlyList<CallEvidence> WithMediaBefore(DateTimeOffset before, int limit);
}

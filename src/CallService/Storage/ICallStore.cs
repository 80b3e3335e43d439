using CallService.Calls;
using CallService.Cluster;
using CallService.Webhooks;

namespace CallService.Storage;

/// <summary>Query for <c>GET /v1/records</c>: newest first, keyset-paged.</summary>
internal sealed record RecordQuery(string? UserId, DateTimeOffset? From, DateTimeOffset? To, int Limit, RecordCursor? After);

/// <summary>Position after the last record of a page (created time, then call id, both descending).</summary>
internal sealed record RecordCursor(long CreatedAtMs, string CallId);

/// <summary>
/// One change of a call, written in one transaction: the call's row, the transitions it added and the realtime
/// events it produced (so an event a party saw is never missing from <c>resume</c>, and no event costs a write of
/// its own).
/// </summary>
/// <param name="Call">The call as it is now.</param>
/// <param name="NewTransitions">Transitions not written before.</param>
/// <param name="Events">Realtime events of this change: seq assigned, or 0 for a store that numbers them at commit (<see cref="ISharedEventLog"/>).</param>
/// <param name="At">When the change happened: the call's last-known-alive time.</param>
/// <param name="ClaimParties">
/// A new call: apply the busy rule (DESIGN §3.1) as one conditional write, claiming both users only when neither
/// holds a non-ended call. When the claim fails nothing is written and <see cref="ICallStore.SaveAsync"/> returns false.
/// </param>
internal sealed record CallWrite(
    CallSnapshot Call, IReadOnlyList<CallTransition> NewTransitions, IReadOnlyList<StoredEvent> Events, DateTimeOffset At,
    bool ClaimParties = false)
{
    /// <summary>Webhook messages of this change (the outbox), written in the same transaction as the call.</summary>
    public IReadOnlyList<OutboxMessage> Webhooks { get; init; } = [];

    /// <summary>
    /// The call's row exists (an earlier write of this call committed): the store updates the columns a change can
    /// move (state, times, ending, issued flags, quality counters) instead of writing the whole row. False: the row
    /// is inserted, or upserted when it may exist.
    /// </summary>
    public bool Stored { get; init; }
}

/// <summary>A realtime event as kept for <c>resume</c> and for other nodes.</summary>
/// <param name="Seq">Never-decreasing number (see <see cref="ICallStore.ReserveEventSeqs"/>).</param>
/// <param name="UserId">The user it goes to.</param>
/// <param name="CallId">The call concerned.</param>
/// <param name="Type">Event type (<c>call.ended</c> …).</param>
/// <param name="At">When it was produced.</param>
/// <param name="Frame">The UTF-8 JSON text frame, exactly as sent.</param>
internal sealed record StoredEvent(long Seq, string UserId, string CallId, string Type, DateTimeOffset At, byte[] Frame);

/// <summary>An <c>Idempotency-Key</c> already taken: its body fingerprint and, once the create finished, its answer.</summary>
/// <param name="Fingerprint">Hash of the request body that took the key.</param>
/// <param name="Response">The JSON answer; null while the first request is still running.</param>
/// <param name="CreatedAt">When the key was taken.</param>
internal sealed record IdempotencyEntry(string Fingerprint, string? Response, DateTimeOffset CreatedAt);

/// <summary>
/// Everything CallService keeps outside a process, as several nodes need it: calls and their records, the busy rule,
/// idempotency keys, node leases and the realtime event log. SQLite is the single-node implementation; a PostgreSQL
/// one implements the same contract (and runs the same contract tests). Implementations throw on failure; callers
/// turn that into 503 problem details.
/// </summary>
internal interface ICallStore
{
    /// <summary>Creates or migrates the schema.</summary>
    void Initialize();

    /// <summary>
    /// True when one process alone uses this store (SQLite: one process per data directory, held by its lock): a row
    /// under another node id is this process's own from an earlier run under another id (another HTTP port changes the
    /// default <c>Cluster:NodeId</c>, as does the former default <c>local</c>), and the files such a row names are on
    /// this disk. False when several nodes share it (PostgreSQL): such a row is another node's, alive or lost, and its
    /// files are on that node's disk. Restart recovery (calls, evidence) and the routing of evidence downloads ask this.
    /// </summary>
    bool SingleProcess { get; }

    // ---- calls ----------------------------------------------------------------------------------

    /// <summary>
    /// Writes one change (group-committed with concurrent writes by the store's one writer); completes once committed,
    /// without holding the caller's thread. A write that ends the call frees both users for the busy rule. Completes
    /// with false only when <see cref="CallWrite.ClaimParties"/> found a party busy (nothing written).
    /// </summary>
    ValueTask<bool> SaveAsync(CallWrite write);

    /// <summary><see cref="SaveAsync"/>, blocking the caller until committed (tests and tools; the coordinator awaits <see cref="SaveAsync"/>).</summary>
    bool Save(CallWrite write);

    CallSnapshot? Find(string callId);

    IReadOnlyList<CallSnapshot> Query(RecordQuery query);

    /// <summary>
    /// Ends every non-ended call of <paramref name="nodeId"/> (its process stopped without ending them) with
    /// <c>service_restart</c> by <c>system</c>, at the last moment the node was known alive: the later of the call's
    /// last write and the node's last lease renewal, never after <paramref name="now"/>. Returns the calls as ended.
    /// <paramref name="webhooks"/> gives each ended call's outbox rows, written in the same transaction as its ending.
    /// </summary>
    IReadOnlyList<CallSnapshot> EndUnfinished(string nodeId, DateTimeOffset now, Func<CallSnapshot, IReadOnlyList<OutboxMessage>>? webhooks = null);

    /// <summary>
    /// The nodes other than <paramref name="byNodeId"/> whose lease was last renewed before <paramref name="aliveSince"/>
    /// (or never) and that still hold non-ended calls, each with up to <paramref name="limit"/> of those calls. Empty
    /// when <paramref name="byNodeId"/> is not alive itself (a node cut off from the others must not take over).
    /// </summary>
    IReadOnlyList<LostNode> LostNodes(string byNodeId, DateTimeOffset aliveSince, int limit);

    /// <summary>
    /// One transaction: when <see cref="NodeTakeover.LostNodeId"/> is still not alive and
    /// <see cref="NodeTakeover.ByNodeId"/> is, each named call still open on the lost node ends <c>node_lost</c> by
    /// <c>system</c> at the last moment it was known alive (the later of its last write and the lost node's last
    /// renewal, never after <see cref="NodeTakeover.Now"/>), with its <c>ended</c> transition, its parties freed, its
    /// events and its <paramref name="webhooks"/> rows. Several nodes taking over the same node at once end each call
    /// exactly once (the lost node's lease row is locked, then each call's state re-checked). Returns the calls this
    /// call ended, as ended.
    /// </summary>
    IReadOnlyList<CallSnapshot> EndLostCalls(NodeTakeover takeover, Func<CallSnapshot, IReadOnlyList<OutboxMessage>>? webhooks = null);

    // ---- realtime events ------------------------------------------------------------------------

    /// <summary>
    /// Reserves <paramref name="count"/> event numbers and returns the first; numbers are never handed out twice,
    /// also across restarts and after old events were deleted, so a client's <c>seq</c> never goes back.
    /// </summary>
    long ReserveEventSeqs(int count);

    /// <summary>
    /// Appends events that belong to no call write (the endings of <see cref="EndUnfinished"/>) and returns them as
    /// written: a store that numbers events at commit (<see cref="ISharedEventLog"/>) numbers those with seq 0.
    /// </summary>
    IReadOnlyList<StoredEvent> AppendEvents(IReadOnlyList<StoredEvent> events);

    /// <summary>A user's events with <c>afterSeq &lt; seq ≤ throughSeq</c> produced at or after <paramref name="since"/>, by seq.</summary>
    IReadOnlyList<StoredEvent> EventsOf(string userId, long afterSeq, long throughSeq, DateTimeOffset since);

    /// <summary>Deletes events produced before <paramref name="before"/>; returns how many.</summary>
    int DeleteEventsBefore(DateTimeOffset before);

    // ---- idempotency keys -----------------------------------------------------------------------

    /// <summary>
    /// Takes (<paramref name="scope"/>, <paramref name="key"/>) for a request whose body hashes to
    /// <paramref name="fingerprint"/> in one conditional write. Returns null when taken now (run the request, then
    /// <see cref="CompleteIdempotencyKey"/> or <see cref="ReleaseIdempotencyKey"/>); otherwise the entry that holds it.
    /// An entry created before <paramref name="expiredBefore"/> is replaced.
    /// </summary>
    IdempotencyEntry? TakeIdempotencyKey(string scope, string key, string fingerprint, DateTimeOffset at, DateTimeOffset expiredBefore);

    void CompleteIdempotencyKey(string scope, string key, string response);

    void ReleaseIdempotencyKey(string scope, string key);

    int DeleteIdempotencyKeysBefore(DateTimeOffset before);

    // ---- node leases ----------------------------------------------------------------------------

    /// <summary>Records that <paramref name="nodeId"/> is alive at <paramref name="at"/> (bounded rate: once per renewal period).</summary>
    void RenewLease(string nodeId, DateTimeOffset at);

    DateTimeOffset? LeaseOf(string nodeId);

    // ---- node registry (node_leases) ------------------------------------------------------------

    /// <summary>
    /// Writes this node's registry row at start: its URLs and start time, not draining, lease renewed at
    /// <see cref="ClusterNodeInfo.StartedAt"/> (never moved back). A restart of the same node id replaces the row's URLs.
    /// </summary>
    void RegisterNode(ClusterNodeInfo node);

    /// <summary>Marks <paramref name="nodeId"/> draining (or not); a node with no row is left alone.</summary>
    void SetDraining(string nodeId, bool draining);

    /// <summary>Every registry row (lease rows of nodes that never registered included), by node id (ordinal), each with its count of non-ended calls.</summary>
    IReadOnlyList<ClusterNode> ClusterNodes();

    /// <summary>The node a call is placed on and whether it ended (one small read); null for an unknown call.</summary>
    CallPlacement? PlacementOf(string callId);

    /// <summary>
    /// <see cref="PlacementOf"/> awaited (the relay's access check): PostgreSQL reads without holding the caller's thread;
    /// SQLite's read is synchronous (Microsoft.Data.Sqlite has no asynchronous I/O) and completes at once.
    /// </summary>
    ValueTask<CallPlacement?> PlacementOfAsync(string callId, CancellationToken cancellationToken);

    /// <summary>Every non-ended call of every node, oldest first (<c>GET /v1/calls</c>), each with the node it is placed on.</summary>
    IReadOnlyList<(CallSnapshot Call, string? NodeId)> OpenCalls();

    // ---- webhook outbox -------------------------------------------------------------------------

    /// <summary>Writes outbox rows that come with no call write (one group-committed write), pending and due now.</summary>
    void EnqueueWebhooks(IReadOnlyList<OutboxMessage> messages);

    /// <summary>
    /// Claims up to <paramref name="limit"/> due rows for one attempt each: pending, due at <paramref name="now"/>, not
    /// leased (or the lease ran out), and the oldest pending row of its (call, endpoint), so a call's messages to an
    /// endpoint go out one at a time in write order. Each claimed row is leased to <paramref name="nodeId"/> until
    /// <paramref name="now"/> + <paramref name="lease"/> under a fresh <see cref="WebhookDelivery.LeaseToken"/>; rows other
    /// nodes are claiming at the same moment are skipped, never claimed twice. Oldest due first.
    /// </summary>
    IReadOnlyList<WebhookDelivery> ClaimWebhooks(string nodeId, DateTimeOffset now, TimeSpan lease, int limit);

    /// <summary>Writes an attempt's outcome and drops the lease; false (nothing written) when the lease is no longer <paramref name="leaseToken"/>.</summary>
    bool RecordWebhookAttempt(long id, string leaseToken, WebhookAttempt attempt);

    /// <summary>Drops the leases <paramref name="nodeId"/> holds (it restarted: its attempts are gone); returns how many.</summary>
    int ReleaseWebhookLeases(string nodeId);

    /// <summary>Rows with <paramref name="status"/> (any when null) and an id below <paramref name="beforeId"/>, newest first.</summary>
    IReadOnlyList<WebhookDelivery> WebhookDeliveries(WebhookStatus? status, long? beforeId, int limit);

    WebhookDelivery? WebhookDelivery(long id);

    /// <summary>A failed row becomes pending, due at <paramref name="now"/>, with no attempts counted (one conditional write).</summary>
    WebhookRetryResult RetryWebhook(long id, DateTimeOffset now);

    // ---- readiness ------------------------------------------------------------------------------

    /// <summary>
    /// A small real write through the same path as call writes (this node's lease renewed at <paramref name="at"/>,
    /// never moved back), for <c>/readyz</c>: returns when the store can write, throws when it cannot.
    /// </summary>
    void ProbeWrite(DateTimeOffset at);

    /// <summary>Deletes rows delivered before <paramref name="before"/> (pending and failed rows stay); returns how many.</summary>
    int DeleteDeliveredWebhooksBefore(DateTimeOffset before);
}

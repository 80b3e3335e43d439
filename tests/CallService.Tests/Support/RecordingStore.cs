using CallService.Calls;
using CallService.Storage;
using CallService.Webhooks;

namespace CallService.Tests.Support;

/// <summary>
/// A real store (SQLite in a temp directory) that also records every call write and can be told to fail them or to
/// forget a call: what the coordinator tests look at.
/// </summary>
internal sealed class RecordingStore(ICallStore inner) : ICallStore
{
    private readonly Lock _gate = new();
    private readonly List<CallWrite> _saved = [];
    private readonly HashSet<string> _forgotten = [];

    /// <summary>Call writes throw (a full disk) while set.</summary>
    public bool FailSaves { get; set; }

    public IReadOnlyList<CallWrite> Saved
    {
        get { lock (_gate) return [.. _saved]; }
    }

    /// <summary><see cref="Find"/> answers null for this call from now on.</summary>
    public void Forget(string callId)
    {
        lock (_gate) _forgotten.Add(callId);
    }

    /// <summary>While set, call writes wait for this task before they are written (a slow commit).</summary>
    public Task? HoldSaves { get; set; }

    public async ValueTask<bool> SaveAsync(CallWrite write)
    {
        if (HoldSaves is { } hold) await hold;
        if (FailSaves) throw new IOException("disk full");
        var saved = await inner.SaveAsync(write);
        if (saved) lock (_gate) _saved.Add(write);
        return saved;
    }

    public bool Save(CallWrite write)
    {
        if (FailSaves) throw new IOException("disk full");
        var saved = inner.Save(write);
        if (saved) lock (_gate) _saved.Add(write);
        return saved;
    }

    public CallSnapshot? Find(string callId)
    {
        lock (_gate)
            if (_forgotten.Contains(callId)) return null;
        return inner.Find(callId);
    }

    public void Initialize() => inner.Initialize();
    public bool SingleProcess => inner.SingleProcess;
    public IReadOnlyList<CallSnapshot> Query(RecordQuery query) => inner.Query(query);
    public IReadOnlyList<CallSnapshot> EndUnfinished(string nodeId, DateTimeOffset now, Func<CallSnapshot, IReadOnlyList<OutboxMessage>>? webhooks = null) =>
        inner.EndUnfinished(nodeId, now, webhooks);
    public IReadOnlyList<LostNode> LostNodes(string byNodeId, DateTimeOffset aliveSince, int limit) => inner.LostNodes(byNodeId, aliveSince, limit);
    public IReadOnlyList<CallSnapshot> EndLostCalls(NodeTakeover takeover, Func<CallSnapshot, IReadOnlyList<OutboxMessage>>? webhooks = null) =>
        inner.EndLostCalls(takeover, webhooks);
    public long ReserveEventSeqs(int count) => inner.ReserveEventSeqs(count);
    public IReadOnlyList<StoredEvent> AppendEvents(IReadOnlyList<StoredEvent> events) => inner.AppendEvents(events);
    public IReadOnlyList<StoredEvent> EventsOf(string userId, long afterSeq, long throughSeq, DateTimeOffset since) =>
        inner.EventsOf(userId, afterSeq, throughSeq, since);
    public int DeleteEventsBefore(DateTimeOffset before) => inner.DeleteEventsBefore(before);
    public IdempotencyEntry? TakeIdempotencyKey(string scope, string key, string fingerprint, DateTimeOffset at, DateTimeOffset expiredBefore) =>
        inner.TakeIdempotencyKey(scope, key, fingerprint, at, expiredBefore);
    public void CompleteIdempotencyKey(string scope, string key, string response) => inner.CompleteIdempotencyKey(scope, key, response);
    public void ReleaseIdempotencyKey(string scope, string key) => inner.ReleaseIdempotencyKey(scope, key);
    public int DeleteIdempotencyKeysBefore(DateTimeOffset before) => inner.DeleteIdempotencyKeysBefore(before);
    public void RenewLease(string nodeId, DateTimeOffset at) => inner.RenewLease(nodeId, at);
    public DateTimeOffset? LeaseOf(string nodeId) => inner.LeaseOf(nodeId);
    public void RegisterNode(CallService.Cluster.ClusterNodeInfo node) => inner.RegisterNode(node);
    public void SetDraining(string nodeId, bool draining) => inner.SetDraining(nodeId, draining);
    public IReadOnlyList<CallService.Cluster.ClusterNode> ClusterNodes() => inner.ClusterNodes();
    public CallService.Cluster.CallPlacement? PlacementOf(string callId) => inner.PlacementOf(callId);
    public ValueTask<CallService.Cluster.CallPlacement?> PlacementOfAsync(string callId, CancellationToken cancellationToken) =>
        inner.PlacementOfAsync(callId, cancellationToken);
    public IReadOnlyList<(CallSnapshot Call, string? NodeId)> OpenCalls() => inner.OpenCalls();
    public void EnqueueWebhooks(IReadOnlyList<OutboxMessage> messages) => inner.EnqueueWebhooks(messages);
    public IReadOnlyList<WebhookDelivery> ClaimWebhooks(string nodeId, DateTimeOffset now, TimeSpan lease, int limit) =>
        inner.ClaimWebhooks(nodeId, now, lease, limit);
    public bool RecordWebhookAttempt(long id, string leaseToken, WebhookAttempt attempt) => inner.RecordWebhookAttempt(id, leaseToken, attempt);
    public int ReleaseWebhookLeases(string nodeId) => inner.ReleaseWebhookLeases(nodeId);
    public IReadOnlyList<WebhookDelivery> WebhookDeliveries(WebhookStatus? status, long? beforeId, int limit) =>
        inner.WebhookDeliveries(status, beforeId, limit);
    public WebhookDelivery? WebhookDelivery(long id) => inner.WebhookDelivery(id);
    public WebhookRetryResult RetryWebhook(long id, DateTimeOffset now) => inner.RetryWebhook(id, now);
    public void ProbeWrite(DateTimeOffset at) => inner.ProbeWrite(at);
    public int DeleteDeliveredWebhooksBefore(DateTimeOffset before) => inner.DeleteDeliveredWebhooksBefore(before);
}

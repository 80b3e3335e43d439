using CallContracts.Evidence;
using CallService.Evidence;
using MediatR;

namespace CallService.Webhooks;

/// <summary>Body <c>data</c> of <c>recording.ready</c> and <c>recording.failed</c>.</summary>
/// <param name="CallId">The call.</param>
/// <param name="State"><c>ready</c>, <c>interrupted</c> or <c>failed</c> (as <c>GET /v1/calls/{id}/recordings</c> says).</param>
/// <param name="Reason">Why post-processing failed; null for <c>recording.ready</c>.</param>
/// <param name="Files">The files kept, with sizes, durations and SHA-256, without links (fetch them with the API key).</param>
internal sealed record RecordingWebhookData(string CallId, string State, string? Reason, IReadOnlyList<RecordingFileView> Files);

/// <summary>Body <c>data</c> of <c>snapshot.created</c>.</summary>
internal sealed record SnapshotWebhookData(string CallId, SnapshotView Snapshot);

/// <summary>Body <c>data</c> of <c>evidence.erased</c>.</summary>
internal sealed record ErasureWebhookData(string CallId, ErasureView Erasure);

/// <summary>
/// Turns the evidence notifications into webhook events: one outbox write each (<see cref="IWebhookOutbox"/>), ordered
/// after the call's earlier events to the same endpoint. The evidence state lives beside the call store, so an event is
/// written right after the evidence change that caused it, not in the same write; a crash between the two loses the
/// event (the evidence itself is kept and listed by the API).
/// </summary>
internal sealed class EvidenceWebhooks(IWebhookOutbox outbox) :
    INotificationHandler<RecordingReady>, INotificationHandler<RecordingFailed>,
    INotificationHandler<SnapshotCreated>, INotificationHandler<EvidenceErased>
{
    public Task Handle(RecordingReady n, CancellationToken ct) =>
        Enqueue(WebhookEventTypes.RecordingReady, n.CallId, new RecordingWebhookData(n.CallId, n.State, null, n.Files));

    public Task Handle(RecordingFailed n, CancellationToken ct) =>
        Enqueue(WebhookEventTypes.RecordingFailed, n.CallId, new RecordingWebhookData(n.CallId, "failed", n.Reason, n.Files));

    public Task Handle(SnapshotCreated n, CancellationToken ct) =>
        Enqueue(WebhookEventTypes.SnapshotCreated, n.CallId, new SnapshotWebhookData(n.CallId, n.Snapshot));

    public Task Handle(EvidenceErased n, CancellationToken ct) =>
        Enqueue(WebhookEventTypes.EvidenceErased, n.CallId, new ErasureWebhookData(n.CallId, n.Erasure));

    private Task Enqueue(string type, string callId, object data)
    {
        outbox.Enqueue(type, callId, data);
        return Task.CompletedTask;
    }
}

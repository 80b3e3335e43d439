using CallService.Storage;

namespace CallService.Webhooks;

/// <summary>
/// Writes webhook events that do not come with a call write (the evidence events <c>recording.ready</c>,
/// <c>recording.failed</c>, <c>snapshot.created</c>, <c>evidence.erased</c>) to the durable outbox: when
/// <see cref="Enqueue"/> returns, the event is in the store and will be delivered at least once to every endpoint
/// whose filter takes it, in order with the call's other events. Call state events are not enqueued here: they are
/// written with the call (<see cref="CallWebhooks"/>).
/// </summary>
/// <example>
/// A MediatR notification handler of the evidence feature:
/// <code>outbox.Enqueue(WebhookEventTypes.RecordingReady, callId, new { callId, recordingId, party, sha256, bytes });</code>
/// </example>
internal interface IWebhookOutbox
{
    /// <summary>Writes one event (one row per matching endpoint, one store write); nothing when no endpoint takes the type.</summary>
    /// <param name="type">Event type (<see cref="WebhookEventTypes"/>).</param>
    /// <param name="callId">The call it belongs to (orders it after the call's earlier events); null when none.</param>
    /// <param name="data">The body's <c>data</c>, serialised like an HTTP API answer (camelCase).</param>
    /// <param name="at">When it happened; now when null.</param>
    /// <exception cref="Exception">The store write failed (nothing written): the caller decides whether to retry.</exception>
    void Enqueue(string type, string? callId, object data, DateTimeOffset? at = null);
}

/// <summary><see cref="IWebhookOutbox"/> on the <see cref="ICallStore"/>; wakes the local dispatcher.</summary>
internal sealed class WebhookOutbox(WebhookMessages messages, ICallStore store, WebhookSignal signal, TimeProvider time) : IWebhookOutbox
{
    public void Enqueue(string type, string? callId, object data, DateTimeOffset? at = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentNullException.ThrowIfNull(data);
        var rows = messages.For(type, callId, at ?? time.GetUtcNow(), data);
        if (rows.Count == 0) return;
        store.EnqueueWebhooks(rows);
        signal.Wake();
    }
}

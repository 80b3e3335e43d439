namespace CallService.Webhooks;

/// <summary>
/// One webhook message for one endpoint, as written to the outbox (<see cref="Storage.ICallStore.EnqueueWebhooks"/>, or
/// with a call write: <see cref="Storage.CallWrite.Webhooks"/>). The same event sent to two endpoints is two rows with
/// one <see cref="MessageId"/>.
/// </summary>
/// <param name="MessageId"><c>webhook-id</c>: <c>msg_</c> + 32 hex digits, the same on every attempt (receivers de-duplicate on it).</param>
/// <param name="EndpointUrl">The endpoint's configured URL (<c>Webhooks:Endpoints:N:Url</c>): the row's endpoint.</param>
/// <param name="Type">Event type (<see cref="WebhookEventTypes"/>).</param>
/// <param name="CallId">The call the event is about: messages of one call to one endpoint are delivered in order. Null: no order.</param>
/// <param name="At">When the event happened (the body's <c>timestamp</c>).</param>
/// <param name="Body">The UTF-8 JSON body exactly as sent and signed: <c>{"type","timestamp","data"}</c>.</param>
internal sealed record OutboxMessage(string MessageId, string EndpointUrl, string Type, string? CallId, DateTimeOffset At, string Body);

/// <summary>Where an outbox row is: waiting for an attempt (or in one), delivered (2xx), or failed for good.</summary>
internal enum WebhookStatus
{
    Pending,
    Delivered,
    Failed,
}

/// <summary>Wire names of <see cref="WebhookStatus"/> (<c>pending</c>, <c>delivered</c>, <c>failed</c>): the store's and the API's.</summary>
internal static class WebhookStatusNames
{
    public static string ToWire(this WebhookStatus status) => status switch
    {
        WebhookStatus.Pending => "pending",
        WebhookStatus.Delivered => "delivered",
        _ => "failed",
    };

    public static bool TryParse(string? value, out WebhookStatus status)
    {
        switch (value)
        {
            case "pending": status = WebhookStatus.Pending; return true;
            case "delivered": status = WebhookStatus.Delivered; return true;
            case "failed": status = WebhookStatus.Failed; return true;
            default: status = default; return false;
        }
    }
}

/// <summary>An outbox row as read back (listing) or claimed for an attempt.</summary>
/// <param name="Id">The delivery's id (the API's <c>id</c>): increasing in write order, never reused.</param>
/// <param name="Message">What is sent.</param>
/// <param name="Status">Where it is.</param>
/// <param name="Attempts">Attempts made so far (since written, or since the last manual retry).</param>
/// <param name="NextAttemptAt">When the next attempt is due (pending only).</param>
/// <param name="LastAttemptAt">When the last attempt ended.</param>
/// <param name="LastStatusCode">The HTTP status of the last answer; null when there was none (timeout, refused connection).</param>
/// <param name="LastError">Why the last attempt did not deliver; null after a 2xx.</param>
/// <param name="DeliveredAt">When a 2xx came back.</param>
/// <param name="LeaseToken">Set on a claimed row: only the claim that holds it may record the attempt's outcome.</param>
internal sealed record WebhookDelivery(
    long Id, OutboxMessage Message, WebhookStatus Status, int Attempts, DateTimeOffset? NextAttemptAt,
    DateTimeOffset? LastAttemptAt, int? LastStatusCode, string? LastError, DateTimeOffset? DeliveredAt, string? LeaseToken = null);

/// <summary>The outcome of one attempt, written to its row.</summary>
/// <param name="At">When the attempt ended.</param>
/// <param name="Status">Delivered, pending again (a retry is due at <paramref name="NextAttemptAt"/>) or failed for good.</param>
/// <param name="Attempts">Attempts made, this one included.</param>
/// <param name="StatusCode">The HTTP status of the answer, if any.</param>
/// <param name="Error">Why it did not deliver (short, no secrets).</param>
/// <param name="NextAttemptAt">When a pending row is due again.</param>
internal sealed record WebhookAttempt(
    DateTimeOffset At, WebhookStatus Status, int Attempts, int? StatusCode, string? Error, DateTimeOffset? NextAttemptAt);

/// <summary>What a manual retry (<c>POST /v1/webhooks/deliveries/{id}/retry</c>) found.</summary>
internal enum WebhookRetryResult
{
    Requeued,
    NotFound,
    NotFailed,
}

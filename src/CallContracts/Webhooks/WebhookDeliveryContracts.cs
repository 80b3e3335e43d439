namespace CallContracts.Webhooks;

/// <summary>
/// One webhook delivery: one message (event) to one endpoint, as listed by <c>GET /v1/webhooks/deliveries</c>.
/// </summary>
/// <param name="Id">The delivery's id (use it with <c>POST /v1/webhooks/deliveries/{id}/retry</c>); increases in write order.</param>
/// <param name="MessageId">The <c>webhook-id</c> header: the same for every endpoint and every attempt of this event.</param>
/// <param name="Endpoint">The endpoint's URL as configured (<c>Webhooks:Endpoints:N:Url</c>).</param>
/// <param name="Type">Event type, e.g. <c>call.ended</c>.</param>
/// <param name="CallId">The call the event is about; null for none.</param>
/// <param name="Status"><c>pending</c> (waiting for an attempt, or in one), <c>delivered</c> (a 2xx came back) or <c>failed</c> (no attempts left).</param>
/// <param name="Attempts">Attempts made (since written, or since the last manual retry).</param>
/// <param name="LastStatusCode">HTTP status of the last answer; null when there was none (timeout, connection error) or no attempt yet.</param>
/// <param name="LastError">Why the last attempt did not deliver (<c>HTTP 503</c>, <c>connection failed</c>, <c>no answer within 10 s</c> …); null otherwise.</param>
/// <param name="CreatedAt">When the event happened (the body's <c>timestamp</c>).</param>
/// <param name="LastAttemptAt">When the last attempt ended; null before the first.</param>
/// <param name="NextAttemptAt">When the next attempt is due (pending only; it may wait for an earlier message of the same call).</param>
/// <param name="DeliveredAt">When the 2xx came back; null otherwise.</param>
public sealed record WebhookDeliveryResponse(
    long Id,
    string MessageId,
    string Endpoint,
    string Type,
    string? CallId,
    string Status,
    int Attempts,
    int? LastStatusCode,
    string? LastError,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastAttemptAt,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? DeliveredAt);

/// <summary>A page of deliveries, newest first.</summary>
/// <param name="Deliveries">Up to <c>limit</c> deliveries.</param>
/// <param name="NextBefore">Pass as <c>before</c> for the next (older) page; null on the last page.</param>
public sealed record WebhookDeliveryList(IReadOnlyList<WebhookDeliveryResponse> Deliveries, long? NextBefore);

using CallContracts.Webhooks;

namespace CallService.Webhooks;

/// <summary>Maps an outbox row to its wire shape.</summary>
internal static class WebhookViews
{
    public static WebhookDeliveryResponse Response(WebhookDelivery d) => new(
        d.Id, d.Message.MessageId, d.Message.EndpointUrl, d.Message.Type, d.Message.CallId, d.Status.ToWire(), d.Attempts,
        d.LastStatusCode, d.LastError, d.Message.At, d.LastAttemptAt, d.Status == WebhookStatus.Pending ? d.NextAttemptAt : null,
        d.DeliveredAt);
}

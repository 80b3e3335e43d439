using System.Diagnostics.Metrics;

namespace CallService.Webhooks;

/// <summary>
/// Meter <c>CallService.Webhooks</c>: counter <c>deliveries</c> (exported <c>callservice_webhooks_deliveries</c>) (attempts, by tag <c>outcome</c>:
/// <c>delivered</c> = 2xx; <c>retry</c> = no 2xx, another attempt is scheduled; <c>failed</c> = no 2xx and no attempt
/// left, or the endpoint is no longer configured).
/// </summary>
internal sealed class WebhookMetrics
{
    public const string MeterName = "CallService.Webhooks";
    public const string DeliveriesName = "deliveries";

    private readonly Counter<long> _deliveries;

    public WebhookMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _deliveries = meter.CreateCounter<long>(DeliveriesName, unit: "{attempt}",
            description: "Webhook delivery attempts by outcome (delivered, retry, failed).");
    }

    public void Count(WebhookStatus status) =>
        _deliveries.Add(1, new KeyValuePair<string, object?>("outcome", status switch
        {
            WebhookStatus.Delivered => "delivered",
            WebhookStatus.Pending => "retry",
            _ => "failed",
        }));
}

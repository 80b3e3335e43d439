using CallContracts.Webhooks;
using CallService.Common;
using CallService.Storage;
using MediatR;

namespace CallService.Webhooks.RetryDelivery;

/// <summary>
/// <c>POST /v1/webhooks/deliveries/{id}/retry</c> (API key): a failed delivery becomes pending again, due now, with a
/// fresh attempt budget (<c>Webhooks:MaxAttempts</c>). 404 for an unknown id; 409 (<c>delivery_not_failed</c>) when it
/// is pending or delivered.
/// </summary>
internal sealed record RetryDeliveryCommand(string Id) : IRequest<WebhookDeliveryResponse>;

internal sealed class RetryDeliveryHandler(ICallStore store, WebhookSignal signal, TimeProvider time, ILogger<RetryDeliveryHandler> logger)
    : IRequestHandler<RetryDeliveryCommand, WebhookDeliveryResponse>
{
    public Task<WebhookDeliveryResponse> Handle(RetryDeliveryCommand command, CancellationToken cancellationToken)
    {
        if (!long.TryParse(command.Id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
            throw new NotFoundException($"Webhook delivery '{command.Id}' does not exist.");
        WebhookRetryResult result;
        WebhookDelivery? row;
        try
        {
            result = store.RetryWebhook(id, time.GetUtcNow());
            row = result == WebhookRetryResult.NotFound ? null : store.WebhookDelivery(id);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Re-queueing webhook delivery {DeliveryId} failed", id);
            throw new StorageUnavailableException("Webhook deliveries are unavailable.", e);
        }
        if (row is null) // unknown, or deleted (retention) in between
            throw new NotFoundException($"Webhook delivery '{id}' does not exist.");
        if (result == WebhookRetryResult.NotFailed)
            throw new CallRuleException("delivery_not_failed",
                $"Webhook delivery {id} is {row.Status.ToWire()}: only a failed delivery can be retried.");
        signal.Wake();
        logger.LogInformation("Webhooks: delivery {DeliveryId} re-queued by the API", id);
        return Task.FromResult(WebhookViews.Response(row));
    }
}

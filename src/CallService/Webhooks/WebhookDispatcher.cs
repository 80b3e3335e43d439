using CallService.Cluster;
using CallService.Storage;

namespace CallService.Webhooks;

/// <summary>
/// Delivers the outbox (at least once). Each round claims due messages in the store (<see cref="ICallStore.ClaimWebhooks"/>:
/// only the oldest undecided message of each (call, endpoint), so a call's messages to an endpoint go out in order, each
/// waiting until the one before is delivered or failed for good; a lease keeps other nodes off while it is tried),
/// sends them in parallel and writes each outcome: delivered (2xx), due again after the back-off
/// (<see cref="WebhookRetrySchedule"/>), or failed after <c>Webhooks:MaxAttempts</c>. Rounds run when a local write
/// woke it (<see cref="WebhookSignal"/>) or every <c>Webhooks:PollIntervalSeconds</c>. A node that dies mid-attempt
/// leaves a lease that expires (another node takes the message over) or that it releases when it starts again. Once
/// an hour it deletes rows delivered longer than <c>Webhooks:RetainDeliveredHours</c> ago.
/// </summary>
internal sealed class WebhookDispatcher(
    ICallStore store, WebhookSender sender, WebhookOptions options, WebhookRetrySchedule schedule, WebhookSignal signal,
    WebhookMetrics metrics, NodeIdentity node, TimeProvider time, ILogger<WebhookDispatcher> logger) : BackgroundService
{
    private static readonly TimeSpan SweepEvery = TimeSpan.FromHours(1);
    private DateTimeOffset _lastSweep = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Endpoints.Count == 0) return; // nothing configured: rows of removed endpoints wait for their return
        await Task.Yield();
        try
        {
            var released = store.ReleaseWebhookLeases(node.Id);
            if (released > 0) logger.LogInformation("Webhooks: took back {Count} message(s) this node was sending when it stopped", released);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Webhooks: releasing this node's leases failed; they expire by themselves");
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            int handled;
            try
            {
                handled = await RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Webhooks: a dispatch round failed; retried after the poll interval");
                handled = 0;
            }
            if (handled > 0) continue; // what was just delivered may have unblocked the next message of its call
            Sweep();
            try
            {
                await signal.WaitAsync(options.PollInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Deletes delivered rows past their retention, at most once per <see cref="SweepEvery"/>.</summary>
    public void Sweep()
    {
        var now = time.GetUtcNow();
        if (now - _lastSweep < SweepEvery) return;
        _lastSweep = now;
        try
        {
            var deleted = store.DeleteDeliveredWebhooksBefore(now - options.RetainDelivered);
            if (deleted > 0) logger.LogInformation("Webhooks: deleted {Count} delivered message(s) older than the retention", deleted);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Webhooks: deleting delivered messages failed; retried in an hour");
        }
    }

    /// <summary>One round: claims the due messages, attempts each once, writes the outcomes. Returns how many were attempted.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var claimed = store.ClaimWebhooks(node.Id, time.GetUtcNow(), options.Lease, options.BatchSize);
        if (claimed.Count == 0) return 0;
        await Task.WhenAll(claimed.Select(d => AttemptAsync(d, cancellationToken)));
        return claimed.Count;
    }

    private async Task AttemptAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        var message = delivery.Message;
        var attempts = delivery.Attempts + 1;
        WebhookAttempt outcome;
        if (options.Find(message.EndpointUrl) is not { } endpoint)
        {
            outcome = new WebhookAttempt(time.GetUtcNow(), WebhookStatus.Failed, attempts, null, "endpoint no longer configured", null);
        }
        else
        {
            WebhookSendResult result;
            try
            {
                result = await sender.SendAsync(endpoint, message, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return; // stopping: the lease is released at the next start (or expires)
            }
            var at = time.GetUtcNow();
            outcome = result.Delivered
                ? new WebhookAttempt(at, WebhookStatus.Delivered, attempts, result.StatusCode, null, null)
                : attempts >= options.MaxAttempts
                    ? new WebhookAttempt(at, WebhookStatus.Failed, attempts, result.StatusCode, result.Error, null)
                    : new WebhookAttempt(at, WebhookStatus.Pending, attempts, result.StatusCode, result.Error, at + schedule.Delay(attempts));
        }
        if (!store.RecordWebhookAttempt(delivery.Id, delivery.LeaseToken!, outcome))
        {
            logger.LogWarning("Webhooks: delivery {DeliveryId} was taken over while it was being sent (lease expired); its outcome is left to the new holder", delivery.Id);
            return;
        }
        metrics.Count(outcome.Status);
        switch (outcome.Status)
        {
            case WebhookStatus.Pending:
                logger.LogInformation("Webhooks: delivery {DeliveryId} ({Type} of call {CallId}) attempt {Attempt} not delivered ({Error}); next at {NextAttemptAt:O}",
                    delivery.Id, message.Type, message.CallId, attempts, outcome.Error, outcome.NextAttemptAt);
                break;
            case WebhookStatus.Failed:
                logger.LogWarning("Webhooks: delivery {DeliveryId} ({Type} of call {CallId}) failed after {Attempts} attempt(s) ({Error}); kept as failed",
                    delivery.Id, message.Type, message.CallId, attempts, outcome.Error);
                break;
        }
    }
}

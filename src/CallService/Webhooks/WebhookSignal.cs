namespace CallService.Webhooks;

/// <summary>
/// Tells this node's dispatcher that new messages were written, so the first attempt does not wait for the next poll.
/// Wakes coalesce: many writes during one round cause one more round.
/// </summary>
internal sealed class WebhookSignal
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    public void Wake()
    {
        try
        {
            if (_wake.CurrentCount == 0) _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Another writer woke it at the same moment: one wake is enough.
        }
    }

    /// <summary>Waits until woken or <paramref name="timeout"/> passed (on <paramref name="time"/>'s clock).</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(timeout, time, linked.Token);
        var woken = _wake.WaitAsync(linked.Token);
        await Task.WhenAny(delay, woken).ConfigureAwait(false);
        await linked.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(delay, woken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The other one was cancelled: expected.
        }
        cancellationToken.ThrowIfCancellationRequested();
    }
}

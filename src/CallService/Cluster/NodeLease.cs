using CallService.Storage;
using Microsoft.Extensions.Options;

namespace CallService.Cluster;

/// <summary>
/// Renews this node's lease in the store every <see cref="ClusterOptions.RenewSeconds"/>: the store's record of the
/// last moment this node (and so each of its live calls) was known alive. A failed renewal is logged and retried at
/// the next tick. Driven by <see cref="TimeProvider"/>.
/// </summary>
internal sealed class NodeLease(ICallStore store, NodeIdentity node, TimeProvider time, IOptions<ClusterOptions> options,
    ILogger<NodeLease> logger) : IHostedService, IDisposable
{
    private ITimer? _timer;
    private int _failing;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var period = TimeSpan.FromSeconds(Math.Max(1, options.Value.RenewSeconds));
        Renew();
        _timer = time.CreateTimer(_ => Renew(), null, period, period);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        Renew(); // the calls still live are known alive until now
        return Task.CompletedTask;
    }

    private void Renew()
    {
        try
        {
            store.RenewLease(node.Id, time.GetUtcNow());
            Interlocked.Exchange(ref _failing, 0);
        }
        catch (Exception e)
        {
            if (Interlocked.Exchange(ref _failing, 1) == 0) logger.LogError(e, "Renewing the lease of node {NodeId} failed", node.Id);
        }
    }

    public void Dispose() => _timer?.Dispose();
}

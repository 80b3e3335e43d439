using CallService.Media;
using CallService.Storage;
using Microsoft.Extensions.Options;

namespace CallService.Cluster;

/// <summary>
/// Renews this node's lease in the store every <see cref="ClusterOptions.RenewSeconds"/>: the store's record of the
/// last moment this node (and so each of its live calls) was known alive. Once the server listens, registers the node
/// (its internal and public media URLs, its start time: <see cref="ICallStore.RegisterNode"/>), so other nodes can
/// forward to it. A failed renewal is logged and retried at the next tick. Driven by <see cref="TimeProvider"/>.
/// </summary>
internal sealed class NodeLease(ICallStore store, NodeIdentity node, TimeProvider time, IOptions<ClusterOptions> options,
    InternalUrl internalUrl, PublicMediaUrls mediaUrls, ILogger<NodeLease> logger) : IHostedLifecycleService, IDisposable
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

    /// <summary>After the server started: the bound addresses are known now.</summary>
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        var info = new ClusterNodeInfo(node.Id, internalUrl.Resolve(), mediaUrls.RtmpBase, mediaUrls.FlvBase, time.GetUtcNow());
        try
        {
            store.RegisterNode(info);
            logger.LogInformation("Node {NodeId} registered: internal URL {InternalUrl}", node.Id, info.InternalUrl ?? "(none)");
        }
        catch (Exception e)
        {
            logger.LogError(e, "Registering node {NodeId} failed; other nodes cannot forward to it", node.Id);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        Renew(); // the calls still live are known alive until now
        return Task.CompletedTask;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

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

using CallContracts.Cluster;
using CallService.Common;
using CallService.Storage;
using MediatR;
using Microsoft.Extensions.Options;

namespace CallService.Cluster.ListNodes;

/// <summary><c>GET /v1/cluster/nodes</c> (API key): the node registry as the shared store holds it.</summary>
internal sealed record ListNodesQuery : IRequest<ClusterNodeList>;

internal sealed class ListNodesHandler(ICallStore store, NodeIdentity node, TimeProvider time, IOptions<ClusterOptions> options,
    ILogger<ListNodesHandler> logger)
    : IRequestHandler<ListNodesQuery, ClusterNodeList>
{
    public Task<ClusterNodeList> Handle(ListNodesQuery query, CancellationToken cancellationToken)
    {
        IReadOnlyList<ClusterNode> registry;
        try
        {
            registry = store.ClusterNodes();
        }
        catch (Exception e)
        {
            logger.LogError(e, "Reading the node registry failed");
            throw new StorageUnavailableException("The node registry is unavailable.", e);
        }
        var now = time.GetUtcNow();
        var nodes = registry.Select(n => new ClusterNodeView(
            n.NodeId, n.InternalUrl, n.RtmpBaseUrl, n.FlvBaseUrl, n.CallsPlaced, n.RenewedAt,
            n.IsAlive(now, options.Value.LeaseSeconds), n.Draining, n.NodeId == node.Id));
        return Task.FromResult(new ClusterNodeList([.. nodes]));
    }
}

using CallService.Common;
using CallService.Storage;
using Microsoft.Extensions.Options;

namespace CallService.Cluster;

/// <summary>
/// The node registry as this node last read it (<see cref="ICallStore.ClusterNodes"/>), re-read when older than
/// <see cref="MaxAge"/> (measured on the monotonic clock) or when a node is asked for that the last read did not list, so
/// routing a request costs no registry query in the common case. Whether a node is alive is judged on
/// <see cref="TimeProvider"/> against <c>Cluster:LeaseSeconds</c>.
/// </summary>
internal sealed class ClusterDirectory(ICallStore store, TimeProvider time, IOptions<ClusterOptions> options)
{
    /// <summary>How long a read of the registry is used (the lease renewal period: a fresher read would show nothing new).</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private IReadOnlyList<ClusterNode> _nodes = [];
    private long _readAt = long.MinValue;

    /// <summary>
    /// Every registered node (at most <see cref="MaxAge"/> old). Throws <see cref="StorageUnavailableException"/> (503
    /// problem details where it reaches a request) when the registry must be read and cannot be.
    /// </summary>
    public IReadOnlyList<ClusterNode> Nodes(bool fresh = false)
    {
        lock (_gate)
        {
            var now = Environment.TickCount64;
            if (fresh || _readAt == long.MinValue || now - _readAt > (long)MaxAge.TotalMilliseconds)
            {
                try
                {
                    _nodes = store.ClusterNodes();
                }
                catch (Exception e)
                {
                    throw new StorageUnavailableException("The node registry is unavailable.", e);
                }
                _readAt = now;
            }
            return _nodes;
        }
    }

    /// <summary>The node <paramref name="nodeId"/>, re-reading the registry once when the last read did not list it.</summary>
    public ClusterNode? Find(string nodeId) =>
        Nodes().FirstOrDefault(n => n.NodeId == nodeId) ?? Nodes(fresh: true).FirstOrDefault(n => n.NodeId == nodeId);

    /// <summary>Renewed within <c>Cluster:LeaseSeconds</c> of now.</summary>
    public bool IsAlive(ClusterNode node) => node.IsAlive(time.GetUtcNow(), options.Value.LeaseSeconds);
}

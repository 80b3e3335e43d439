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

    private sealed record Read(IReadOnlyList<ClusterNode> Nodes, long AtMs);

    private Read? _last;
    private int _reading;

    /// <summary>
    /// Every registered node (at most <see cref="MaxAge"/> old). The common case is a read of the last answer, with no
    /// lock. When it is older, one caller re-reads the registry while the others keep using the older answer; a caller
    /// with no answer at all, or asking for a <paramref name="fresh"/> one, reads itself. Throws
    /// <see cref="StorageUnavailableException"/> (503 problem details where it reaches a request) when the registry must
    /// be read and cannot be.
    /// </summary>
    public IReadOnlyList<ClusterNode> Nodes(bool fresh = false)
    {
        var last = Volatile.Read(ref _last);
        if (!fresh && last is not null)
        {
            if (Environment.TickCount64 - last.AtMs <= (long)MaxAge.TotalMilliseconds) return last.Nodes;
            if (Interlocked.CompareExchange(ref _reading, 1, 0) != 0) return last.Nodes; // another caller is re-reading
            try { return ReadRegistry(); }
            finally { Volatile.Write(ref _reading, 0); }
        }
        return ReadRegistry();
    }

    private IReadOnlyList<ClusterNode> ReadRegistry()
    {
        var at = Environment.TickCount64;
        IReadOnlyList<ClusterNode> nodes;
        try
        {
            nodes = store.ClusterNodes();
        }
        catch (Exception e)
        {
            throw new StorageUnavailableException("The node registry is unavailable.", e);
        }
        // Keep the newest read when two readers race (a fresh read and a background one).
        var read = new Read(nodes, at);
        for (var seen = Volatile.Read(ref _last); seen is null || seen.AtMs <= at; seen = Volatile.Read(ref _last))
            if (Interlocked.CompareExchange(ref _last, read, seen) == seen) break;
        return nodes;
    }

    /// <summary>The node <paramref name="nodeId"/>, re-reading the registry once when the last read did not list it.</summary>
    public ClusterNode? Find(string nodeId) =>
        Nodes().FirstOrDefault(n => n.NodeId == nodeId) ?? Nodes(fresh: true).FirstOrDefault(n => n.NodeId == nodeId);

    /// <summary>Renewed within <c>Cluster:LeaseSeconds</c> of now.</summary>
    public bool IsAlive(ClusterNode node) => node.IsAlive(time.GetUtcNow(), options.Value.LeaseSeconds);
}

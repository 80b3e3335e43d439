namespace CallService.Cluster.Forwarding;

/// <summary>
/// Where a new call goes when this node drains: the alive, non-draining node with the fewest calls placed (then the
/// lowest node id, so the choice is stable), reachable at a registered URL. Null when there is none.
/// </summary>
internal sealed class CreatePlacement(ClusterDirectory directory, NodeIdentity self)
{
    public ClusterNode? Target() =>
        directory.Nodes()
            .Where(n => n.NodeId != self.Id && !n.Draining && n.InternalUrl is not null && directory.IsAlive(n))
            .OrderBy(n => n.CallsPlaced).ThenBy(n => n.NodeId, StringComparer.Ordinal)
            .FirstOrDefault();
}

namespace CallService.Cluster;

/// <summary>
/// One row of the node registry as read by <see cref="Storage.ICallStore.ClusterNodes"/>: what the node registered,
/// its lease and the number of non-ended calls placed on it. A node that only renewed a lease (an older build) has no
/// URLs and no start time.
/// </summary>
/// <param name="NodeId">The node's id.</param>
/// <param name="InternalUrl">How other nodes reach its HTTP API; null when never registered.</param>
/// <param name="RtmpBaseUrl">Its public RTMP base URL; null when never registered.</param>
/// <param name="FlvBaseUrl">Its public HTTP-FLV base URL; null when never registered.</param>
/// <param name="StartedAt">When its current process registered; null when never registered.</param>
/// <param name="RenewedAt">Its last lease renewal: the last moment it was known alive.</param>
/// <param name="Draining">True while it drains (takes no new placements).</param>
/// <param name="CallsPlaced">Its non-ended calls (<c>calls.node_id</c> = this node).</param>
internal sealed record ClusterNode(
    string NodeId, string? InternalUrl, string? RtmpBaseUrl, string? FlvBaseUrl, DateTimeOffset? StartedAt,
    DateTimeOffset RenewedAt, bool Draining, int CallsPlaced)
{
    /// <summary>Alive: renewed within <paramref name="leaseSeconds"/> before <paramref name="now"/> (<c>Cluster:LeaseSeconds</c>).</summary>
    public bool IsAlive(DateTimeOffset now, int leaseSeconds) => RenewedAt >= now - TimeSpan.FromSeconds(leaseSeconds);
}

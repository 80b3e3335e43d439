namespace CallContracts.Cluster;

/// <summary>Body of <c>GET /v1/cluster/nodes</c>.</summary>
/// <param name="Nodes">Every node that holds a lease in the store, ordered by <c>nodeId</c> (ordinal); one node with SQLite.</param>
public sealed record ClusterNodeList(IReadOnlyList<ClusterNodeView> Nodes);

/// <summary>One CallService node as the shared store knows it.</summary>
/// <param name="NodeId">The node's <c>Cluster:NodeId</c> (default: host name + HTTP port).</param>
/// <param name="InternalUrl">How other nodes reach its HTTP API (<c>Cluster:InternalUrl</c>); null when it never registered.</param>
/// <param name="PublicRtmpBaseUrl">Its <c>Media:PublicRtmpBaseUrl</c>: the base of the RTMP URLs of calls placed on it.</param>
/// <param name="PublicFlvBaseUrl">Its <c>Media:PublicFlvBaseUrl</c>: the base of the HTTP-FLV URLs of calls placed on it.</param>
/// <param name="CallsPlaced">Its non-ended calls.</param>
/// <param name="LeaseRenewedAt">Its last lease renewal (UTC): the last moment it was known alive.</param>
/// <param name="Alive">Renewed within <c>Cluster:LeaseSeconds</c> of the answering node's clock.</param>
/// <param name="Draining">It takes no new placements (SIGTERM received); its calls run to their end.</param>
/// <param name="Self">This row is the node that answered.</param>
public sealed record ClusterNodeView(
    string NodeId, string? InternalUrl, string? PublicRtmpBaseUrl, string? PublicFlvBaseUrl, int CallsPlaced,
    DateTimeOffset LeaseRenewedAt, bool Alive, bool Draining, bool Self);

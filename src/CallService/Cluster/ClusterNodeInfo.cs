namespace CallService.Cluster;

/// <summary>
/// What a node tells the others about itself when it starts (its row of <c>node_leases</c>, see
/// <see cref="Storage.ICallStore.RegisterNode"/>).
/// </summary>
/// <param name="NodeId">The node's id (<c>Cluster:NodeId</c>).</param>
/// <param name="InternalUrl">How other nodes reach this node's HTTP API (<c>Cluster:InternalUrl</c>), e.g. <c>http://10.0.0.7:8080</c>.</param>
/// <param name="RtmpBaseUrl">This node's <c>Media:PublicRtmpBaseUrl</c> (resolved), e.g. <c>rtmp://media-1.example:1935/live</c>.</param>
/// <param name="FlvBaseUrl">This node's <c>Media:PublicFlvBaseUrl</c> (resolved), e.g. <c>https://media-1.example/live</c>.</param>
/// <param name="StartedAt">When this process started serving.</param>
internal sealed record ClusterNodeInfo(string NodeId, string? InternalUrl, string? RtmpBaseUrl, string? FlvBaseUrl, DateTimeOffset StartedAt);

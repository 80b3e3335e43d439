namespace CallService.Cluster;

/// <summary>Where a call is placed (<c>calls.node_id</c>) and whether it ended, as the store holds it.</summary>
/// <param name="NodeId">The node that placed the call; null for a call written before nodes existed.</param>
/// <param name="Ended">The call is ended (answered from the store by any node).</param>
internal sealed record CallPlacement(string? NodeId, bool Ended);

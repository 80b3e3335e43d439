namespace CallService.Cluster.Forwarding;

/// <summary>
/// The node that holds a call (or, for a new call, every node that could take it) does not answer: 503 problem details
/// with <c>rule: node_unavailable</c>. A lost node's calls are ended <c>node_lost</c> by another node once its lease
/// runs out; until then they cannot change.
/// </summary>
internal sealed class NodeUnavailableException(string detail, Exception? inner = null) : Exception(detail, inner)
{
    public const string Rule = "node_unavailable";
}

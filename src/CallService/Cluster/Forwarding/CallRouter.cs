using CallService.Calls.Live;
using CallService.Storage;

namespace CallService.Cluster.Forwarding;

/// <summary>Where a request about a call is handled.</summary>
internal enum CallRouteKind
{
    /// <summary>Here: the call is held here, ended, unknown (404 here), or placed on this node.</summary>
    Local,

    /// <summary>On <see cref="CallRoute.Owner"/>: the live call is held by that alive node.</summary>
    Forward,

    /// <summary>The live call's node is not alive (or never registered its URL): reads answer here from the store, changes get 503.</summary>
    OwnerUnavailable,
}

/// <summary>The decision for one call; <see cref="Owner"/> set unless <see cref="CallRouteKind.Local"/>.</summary>
internal readonly record struct CallRoute(CallRouteKind Kind, string? OwnerId = null, ClusterNode? Owner = null)
{
    public static readonly CallRoute Local = new(CallRouteKind.Local);
}

/// <summary>
/// A live call is owned by exactly one node, the node that placed it: only that node changes it. For a call not held
/// here this reads its placement from the store and the owner from the registry (<see cref="ClusterDirectory"/>). A
/// store failure routes locally, where the request meets the same failure and answers 503. A call's evidence files stay
/// on the disk of the node that recorded them (<see cref="RouteEvidence"/>).
/// </summary>
internal sealed class CallRouter(LiveCalls calls, ICallStore store, IEvidenceStore evidence, ClusterDirectory directory,
    NodeIdentity self, ILogger<CallRouter> logger)
{
    public CallRoute Route(string callId)
    {
        if (calls.TryGet(callId) is not null) return CallRoute.Local;
        CallPlacement? placement;
        try
        {
            placement = store.PlacementOf(callId);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Reading the placement of a call failed; handled here");
            return CallRoute.Local;
        }
        if (placement is not { Ended: false, NodeId: { } ownerId } || ownerId == self.Id) return CallRoute.Local;
        return ToNode(ownerId);
    }

    /// <summary>
    /// Where a file of the call's evidence (a recording, a snapshot) is served: the node that recorded the call keeps the
    /// files on its disk. Here when that is this node, unknown, or the evidence cannot be read; <see
    /// cref="CallRouteKind.OwnerUnavailable"/> when that node is not alive (the request then answers here: 404).
    /// </summary>
    public CallRoute RouteEvidence(string callId)
    {
        // A store one process alone uses (SQLite): evidence under another node id is this process's own from an earlier
        // run under another id (another HTTP port), and its files are on this disk: nothing to read.
        if (store.SingleProcess) return CallRoute.Local;
        string? nodeId;
        try
        {
            nodeId = evidence.Find(callId)?.NodeId;
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Reading the evidence of a call failed; handled here");
            return CallRoute.Local;
        }
        return nodeId is not { Length: > 0 } || nodeId == self.Id ? CallRoute.Local : ToNode(nodeId);
    }

    private CallRoute ToNode(string ownerId)
    {
        ClusterNode? owner;
        try
        {
            owner = directory.Find(ownerId);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Reading the node registry failed; handled here");
            return CallRoute.Local;
        }
        return owner is { InternalUrl: not null } && directory.IsAlive(owner)
            ? new CallRoute(CallRouteKind.Forward, ownerId, owner)
            : new CallRoute(CallRouteKind.OwnerUnavailable, ownerId, owner);
    }
}

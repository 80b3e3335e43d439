using CallContracts.Streams;
using CallService.Calls;
using CallService.Media;
using CallService.Storage;

namespace CallService.Cluster;

/// <summary>
/// A call read from the store rather than held here (ended, or its owner not alive) keeps the URLs of the relay it was
/// placed on: the placing node's registered public bases (<c>node_leases</c>), not this node's, so every node answers
/// <c>GET /v1/calls/{id}</c> with the same URLs. Calls placed here, or on a node that never registered its URLs, keep
/// this node's bases.
/// </summary>
internal sealed class PlacedCallUrls(ICallStore store, ClusterDirectory directory, PublicMediaUrls urls, NodeIdentity self,
    ILogger<PlacedCallUrls> logger)
{
    /// <summary>Sets <paramref name="call"/>'s parties' signed URLs to its placing node's relay when that is another node.</summary>
    public void Apply(Call call)
    {
        try
        {
            if (store.PlacementOf(call.Id) is not { NodeId: { } nodeId } || nodeId == self.Id) return;
            if (directory.Find(nodeId) is not { RtmpBaseUrl: { } rtmp, FlvBaseUrl: { } flv }) return;
            foreach (var role in (PartyRole[])[PartyRole.A, PartyRole.B])
                call.Party(role).SignedUrls = urls.For(call.Id, role, call.UrlsExpireAt, rtmp, flv);
        }
        catch (Exception e)
        {
            // The URLs of a call read from the store are informative (the placing relay admits only calls it holds).
            logger.LogWarning(e, "Reading the placement of call {CallId} failed; its URLs name this node's relay", call.Id);
        }
    }
}

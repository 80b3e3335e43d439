using CallService.Cluster;

namespace CallService.Tests.Storage;

/// <summary>The contract's node registry: <c>RegisterNode</c>, <c>SetDraining</c>, <c>ClusterNodes</c>.</summary>
public abstract partial class CallStoreNodeContractTests
{
    [Fact]
    public void RegisterNode_IsReadByEveryNode_WithItsUrls_Lease_AndCallsPlaced()
    {
        var (nodeA, nodeB) = ("reg-a-" + Guid.NewGuid().ToString("N")[..8], "reg-b-" + Guid.NewGuid().ToString("N")[..8]);
        var a = OpenStore(nodeA);
        var b = OpenStore(nodeB);
        a.RegisterNode(new ClusterNodeInfo(nodeA, "http://127.0.0.1:9001", "rtmp://media-a:1935/live", "http://media-a/live", T0));
        b.RegisterNode(new ClusterNodeInfo(nodeB, "http://127.0.0.1:9002", null, null, T0.AddSeconds(1)));
        a.RenewLease(nodeA, T0.AddSeconds(5));
        var open = Ringing(Id("p"), Id("alice"), Id("bob"), T0);
        var open2 = Ringing(Id("p"), Id("carol"), Id("dave"), T0);
        var ended = Ringing(Id("p"), Id("erin"), Id("frank"), T0);
        Assert.True(a.Save(Create(open)));
        Assert.True(a.Save(Create(open2)));
        Assert.True(a.Save(Create(ended)));
        Assert.True(a.Save(End(ended, T0.AddSeconds(2))));

        var nodes = OpenStore("reader").ClusterNodes();

        var rowA = Assert.Single(nodes, n => n.NodeId == nodeA);
        Assert.Equal(new ClusterNode(nodeA, "http://127.0.0.1:9001", "rtmp://media-a:1935/live", "http://media-a/live", T0,
            T0.AddSeconds(5), false, 2), rowA);
        var rowB = Assert.Single(nodes, n => n.NodeId == nodeB);
        Assert.Equal(new ClusterNode(nodeB, "http://127.0.0.1:9002", null, null, T0.AddSeconds(1), T0.AddSeconds(1), false, 0), rowB);
        Assert.Equal(nodes.Select(n => n.NodeId).Order(StringComparer.Ordinal), nodes.Select(n => n.NodeId));
    }

    [Fact]
    public void SetDraining_IsSeenByOtherNodes_AndARestartRegistersAfresh_WithoutMovingTheLeaseBack()
    {
        var node = "drain-" + Guid.NewGuid().ToString("N")[..8];
        var store = OpenStore(node);
        store.RegisterNode(new ClusterNodeInfo(node, "http://127.0.0.1:9001", null, null, T0));
        store.RenewLease(node, T0.AddSeconds(30));

        store.SetDraining(node, true);
        Assert.True(OpenStore("other").ClusterNodes().Single(n => n.NodeId == node).Draining);
        store.SetDraining("never-registered-" + Guid.NewGuid().ToString("N")[..8], true); // no row: nothing happens
        Assert.DoesNotContain(store.ClusterNodes(), n => n.NodeId.StartsWith("never-registered-", StringComparison.Ordinal));

        var restarted = OpenStore(node);
        restarted.RegisterNode(new ClusterNodeInfo(node, "http://127.0.0.1:9009", "rtmp://x/live", "http://x/live", T0.AddSeconds(10)));
        var row = restarted.ClusterNodes().Single(n => n.NodeId == node);
        Assert.Equal(("http://127.0.0.1:9009", "rtmp://x/live", false, T0.AddSeconds(10), T0.AddSeconds(30)),
            (row.InternalUrl, row.RtmpBaseUrl, row.Draining, row.StartedAt, row.RenewedAt));
    }

    [Fact]
    public void ClusterNodes_ListsALeaseOnlyNode_WithoutUrls_AndAliveFollowsTheLease()
    {
        var node = "lease-" + Guid.NewGuid().ToString("N")[..8];
        var store = OpenStore(node);
        store.RenewLease(node, T0);

        var row = store.ClusterNodes().Single(n => n.NodeId == node);

        Assert.Equal((null, null, null, (DateTimeOffset?)null, T0, false), (row.InternalUrl, row.RtmpBaseUrl, row.FlvBaseUrl, row.StartedAt, row.RenewedAt, row.Draining));
        Assert.True(row.IsAlive(T0.AddSeconds(10), leaseSeconds: 10));
        Assert.False(row.IsAlive(T0.AddSeconds(10.001), leaseSeconds: 10));
    }

    [Fact]
    public async Task PlacementOf_NamesTheWritingNode_AndOpenCalls_ListsEveryNodesOpenCalls()
    {
        var (nodeA, nodeB) = (Id("node"), Id("node"));
        var a = OpenStore(nodeA);
        var b = OpenStore(nodeB);
        var onA = Ringing(Id("o"), Id("alice"), Id("bob"), T0);
        var onB = Ringing(Id("o"), Id("carol"), Id("dave"), T0.AddSeconds(1));
        var ended = Ringing(Id("o"), Id("erin"), Id("frank"), T0);
        Assert.True(a.Save(Create(onA)));
        Assert.True(b.Save(Create(onB)));
        Assert.True(b.Save(Create(ended)));
        Assert.True(b.Save(End(ended, T0.AddSeconds(2))));

        Assert.Equal(new CallPlacement(nodeA, false), b.PlacementOf(onA.CallId));
        Assert.Equal(new CallPlacement(nodeB, false), a.PlacementOf(onB.CallId));
        Assert.Equal(new CallPlacement(nodeB, true), a.PlacementOf(ended.CallId));
        Assert.Null(a.PlacementOf(Id("missing")));
        // The awaited read (the relay's access check) answers the same.
        Assert.Equal(new CallPlacement(nodeA, false), await b.PlacementOfAsync(onA.CallId, default));
        Assert.Equal(new CallPlacement(nodeB, true), await a.PlacementOfAsync(ended.CallId, default));
        Assert.Null(await a.PlacementOfAsync(Id("missing"), default));

        var open = OpenStore("reader").OpenCalls().Where(o => o.Call.CallId == onA.CallId || o.Call.CallId == onB.CallId || o.Call.CallId == ended.CallId).ToList();
        Assert.Equal([(onA.CallId, nodeA, CallService.Calls.CallState.Ringing), (onB.CallId, nodeB, CallService.Calls.CallState.Ringing)],
            open.Select(o => (o.Call.CallId, o.NodeId, o.Call.State)));
    }
}

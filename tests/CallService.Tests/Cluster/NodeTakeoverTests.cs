using System.Net.Http.Json;
using CallContracts.Calls;
using CallService.Cluster;
using CallService.Storage;
using CallService.Tests.Support;
using CallService.Tests.Support.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using CallState = CallService.Calls.CallState;

namespace CallService.Tests.Cluster;

/// <summary>
/// Three in-process nodes on one throwaway PostgreSQL database, on one fake clock: node 1 stops renewing its lease (as
/// a crashed or cut-off process would); node 2 or node 3 (exactly one) ends node 1's calls <c>node_lost</c>, and both
/// parties are told once, one on node 2's socket, one on node 3's.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class NodeTakeoverTests(PostgresCluster cluster)
{
    private const int LeaseSeconds = 3;

    internal static Dictionary<string, string?> NodeSettings(string connectionString, string nodeId, int leaseSeconds = LeaseSeconds) =>
        PostgresNodeSettings.For(connectionString, nodeId, leaseSeconds);

    [Fact]
    public async Task ANodeThatStopsRenewing_HasItsCallsEndedNodeLost_ByAnotherNode_AtItsLastRenewal_BothPartiesToldOnce()
    {
        var database = await cluster.CreateDatabaseAsync("takeover_" + Guid.NewGuid().ToString("N")[..12]);
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 12, 2, 3, 0, 0, TimeSpan.Zero));
        using var node1 = new ServiceHost(settings: NodeSettings(database, "node-1"), time: time);
        using var node2 = new ServiceHost(settings: NodeSettings(database, "node-2"), time: time);
        using var node3 = new ServiceHost(settings: NodeSettings(database, "node-3"), time: time);
        var store = node2.Services.GetRequiredService<ICallStore>();

        var call = await node1.CreateCall(new { caller = new { userId = "alice" }, callee = new { userId = "bob" }, ring = false });
        var other = await node2.CreateCall(new { caller = new { userId = "carol" }, callee = new { userId = "dave" }, ring = false });
        await using var alice = await node2.Connect(await node2.TokenFor("alice"));
        await using var bob = await node3.Connect(await node3.TokenFor("bob"));

        // Node 1 stops renewing (its timer is gone; no last renewal, as after kill -9).
        node1.Services.GetServices<IHostedService>().OfType<NodeLease>().Single().Dispose();
        var lastAlive = store.LeaseOf("node-1")!.Value;
        time.Advance(TimeSpan.FromSeconds(LeaseSeconds - 1));
        Assert.Equal(0, node2.Services.GetRequiredService<LeaseWatcher>().Check());
        Assert.NotEqual(CallState.Ended, store.Find(call.CallId)!.State); // the lease has not run out yet

        for (var i = 0; i < 4 * LeaseSeconds && store.Find(call.CallId)!.State != CallState.Ended; i++)
            time.Advance(TimeSpan.FromMilliseconds(500));

        foreach (var party in new[] { alice, bob })
        {
            var ended = await party.Next("call.ended", 5);
            Assert.Equal(call.CallId, ended.GetProperty("callId").GetString());
            Assert.Equal(("node_lost", "system"),
                (ended.GetProperty("data").GetProperty("reason").GetString(), ended.GetProperty("data").GetProperty("endedBy").GetString()));
        }
        var record = await node2.Http().GetFromJsonAsync<CallResponse>($"/v1/calls/{call.CallId}", ServiceHost.Json);
        Assert.Equal(("ended", "node_lost", "system", lastAlive), (record!.State, record.EndReason, record.EndedBy, record.EndedAt));
        Assert.Equal(CallState.Accepted, store.Find(other.CallId)!.State); // the live node's call runs on
        Assert.False(await alice.Receives("call.ended", 0.5)); // told once, though two nodes watch
        Assert.False(await bob.Receives("call.ended", 0.1));
        // Both parties are free: a new call between them is placed on the node that is alive.
        var again = await node2.CreateCall(new { caller = new { userId = "bob" }, callee = new { userId = "alice" }, ring = false });
        Assert.Equal("accepted", again.State);
    }
}

using CallService.Realtime;
using CallService.Tests.Support;
using CallService.Tests.Support.Postgres;
using Microsoft.Extensions.DependencyInjection;

namespace CallService.Tests.Integration;

/// <summary>
/// Two in-process hosts on one PostgreSQL database: a party's WebSocket on node 2 receives the events of a call
/// created and ended on node 1 within 1 s, and <c>resume</c> on node 2 replays them from the shared store.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CrossNodeEventsTests(PostgresCluster cluster)
{
    private static Dictionary<string, string?> Settings(string connectionString, string nodeId) =>
        PostgresNodeSettings.For(connectionString, nodeId);

    [Fact]
    public async Task CalleeSocketOnNode2_GetsTheEventsOfACallOnNode1_AndResumeOnNode2ReplaysThem()
    {
        var connectionString = await cluster.CreateDatabaseAsync("xnode_" + Guid.NewGuid().ToString("N")[..12]);
        using var node1 = new ServiceHost(settings: Settings(connectionString, "node-1"));
        using var node2 = new ServiceHost(settings: Settings(connectionString, "node-2"));
        await using var bob = await node2.Connect(await node2.TokenFor("bob"));
        var feed = node2.Services.GetRequiredService<ClusterEventFeed>();
        for (var i = 0; i < 100 && !feed.Listening; i++) await Task.Delay(100);
        Assert.True(feed.Listening);

        var call = await node1.CreateCall(new { caller = new { userId = "alice" }, callee = new { userId = "bob" }, ring = true });
        var incoming = await bob.Next("call.incoming", seconds: 1);
        Assert.Equal(call.CallId, incoming.GetProperty("callId").GetString());

        using var alice = node1.Http(await node1.TokenFor("alice"));
        (await alice.PostAsync($"/v1/calls/{call.CallId}/cancel", null)).EnsureSuccessStatusCode();
        var ended = await bob.Next("call.ended", seconds: 1);
        Assert.Equal(("cancelled", call.CallId), (ended.GetProperty("data").GetProperty("reason").GetString(), ended.GetProperty("callId").GetString()));
        Assert.True(ended.GetProperty("seq").GetInt64() > incoming.GetProperty("seq").GetInt64());

        // Node 2 counted both as events from another node, with their delay.
        var metrics = await MetricsScrape.From(node2.Http(bearer: null));
        Assert.True(metrics.Find("callservice_realtime_events_from_other_nodes") >= 2, metrics.Text);
        Assert.True(metrics.Count("callservice_realtime_cross_node_delay") >= 2, metrics.Text);

        // A new socket on node 2 resumes from 0: both events, from node 1, in order, with the numbers first seen.
        await using var again = await node2.Connect(await node2.TokenFor("bob"));
        await again.Send(new { type = "resume", afterSeq = 0 });
        var replayedIncoming = await again.Next("call.incoming");
        var replayedEnded = await again.Next("call.ended");
        Assert.Equal(
            (incoming.GetProperty("seq").GetInt64(), ended.GetProperty("seq").GetInt64()),
            (replayedIncoming.GetProperty("seq").GetInt64(), replayedEnded.GetProperty("seq").GetInt64()));

        // Resume after the first: only the ending.
        await using var third = await node2.Connect(await node2.TokenFor("bob"));
        await third.Send(new { type = "resume", afterSeq = incoming.GetProperty("seq").GetInt64() });
        Assert.Equal(ended.GetProperty("seq").GetInt64(), (await third.Next("call.ended")).GetProperty("seq").GetInt64());
        Assert.DoesNotContain(third.Seen, f => f.GetProperty("type").GetString() == "call.incoming");
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CallService.Calls.Live;
using CallService.Cluster;
using CallService.Cluster.Forwarding;
using CallService.Storage;
using CallService.Tests.Support;
using CallService.Tests.Support.Postgres;
using Microsoft.Extensions.DependencyInjection;

namespace CallService.Tests.Cluster;

/// <summary>
/// Two nodes on one PostgreSQL: a request about a call reaches the node that holds it, whichever node it arrives at,
/// and answers what that node answers; forwarded once at most; <c>node_unavailable</c> while the holder is not alive.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ForwardingTests(PostgresCluster cluster)
{
    private static object Ringing(string caller, string callee) => new { caller = new { userId = caller }, callee = new { userId = callee }, ring = true };

    private static async Task<JsonElement> Problem(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task CallOnNode1_ReadAndChangedThroughNode2_AnswersAsNode1_AndStaysHeldByNode1()
    {
        using var nodes = await TwoNodes.Start(cluster);
        var (node1, node2) = (nodes.Node1, nodes.Node2);
        var call = await node1.CreateCall(Ringing("alice", "bob"));
        var (alice, bob) = (await node2.TokenFor("alice"), await node2.TokenFor("bob"));

        var viaNode1 = await node1.Http().GetStringAsync($"/v1/calls/{call.CallId}");
        var viaNode2 = await node2.Http().GetStringAsync($"/v1/calls/{call.CallId}");
        Assert.Equal(viaNode1, viaNode2);
        Assert.Equal(await node1.Http(bob).GetStringAsync($"/v1/calls/{call.CallId}"), await node2.Http(bob).GetStringAsync($"/v1/calls/{call.CallId}"));

        var accepted = await node2.Http(bob).PostAsync($"/v1/calls/{call.CallId}/accept", null);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("accepted", (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());
        var report = await node2.Http(bob).PostAsJsonAsync($"/v1/calls/{call.CallId}/events", new { component = "player", code = 2004 });
        Assert.Equal(HttpStatusCode.Accepted, report.StatusCode);
        Assert.Equal("none", (await report.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("action").GetString());
        var hangup = await node2.Http(alice).PostAsync($"/v1/calls/{call.CallId}/hangup", null);
        Assert.Equal(HttpStatusCode.OK, hangup.StatusCode);
        var ended = await hangup.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("ended", "hangup", "a"), (ended.GetProperty("state").GetString(), ended.GetProperty("endReason").GetString(),
            ended.GetProperty("endedBy").GetString()));

        // Node 1 made every change (it holds the call); node 2 never held it.
        var held = node1.Services.GetRequiredService<LiveCalls>().TryGet(call.CallId);
        Assert.NotNull(held);
        Assert.True(held.Call.IsEnded);
        Assert.Null(node2.Services.GetRequiredService<LiveCalls>().TryGet(call.CallId));
        Assert.Equal(
            [
                $"GET /v1/calls/{call.CallId} by node-2", $"GET /v1/calls/{call.CallId} by node-2",
                $"POST /v1/calls/{call.CallId}/accept by node-2", $"POST /v1/calls/{call.CallId}/events by node-2",
                $"POST /v1/calls/{call.CallId}/hangup by node-2",
            ], nodes.Seen1.All);
        Assert.Empty(nodes.Seen2.All);

        // Ended: any node answers from the store, the same call.
        var after = await node2.Http().GetFromJsonAsync<JsonElement>($"/v1/calls/{call.CallId}");
        Assert.Equal(("ended", "hangup"), (after.GetProperty("state").GetString(), after.GetProperty("endReason").GetString()));
        Assert.Equal(5, nodes.Seen1.All.Count);
        var metrics = await MetricsScrape.From(node2.Http());
        Assert.Equal(5, metrics.Value("callservice_cluster_forwards", ("kind", "request"), ("outcome", "answered")));
    }

    [Fact]
    public async Task AProblemAnsweredByTheHolder_ContinuesTheClientsTraceparent_SentToTheForwardingNode()
    {
        using var nodes = await TwoNodes.Start(cluster);
        var call = await nodes.Node1.CreateCall(Ringing("alice", "bob"));
        var alice = await nodes.Node2.TokenFor("alice");

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/calls/{call.CallId}/accept"); // only the callee accepts
        request.Headers.TryAddWithoutValidation("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        var response = await nodes.Node2.Http(alice).SendAsync(request);

        Assert.False(response.IsSuccessStatusCode);
        Assert.Equal([$"POST /v1/calls/{call.CallId}/accept by node-2"], nodes.Seen1.All);
        var traceId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("traceId").GetString()!;
        Assert.StartsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-", traceId);
        Assert.EndsWith("-01", traceId);
    }

    [Fact]
    public async Task ForwardedRequest_IsHandledWhereItArrives_NeverForwardedAgain()
    {
        using var nodes = await TwoNodes.Start(cluster);
        var call = await nodes.Node1.CreateCall(Ringing("carol", "dave"));

        using var read = new HttpRequestMessage(HttpMethod.Get, $"/v1/calls/{call.CallId}");
        read.Headers.Add(NodeForwarder.ForwardedByHeader, "node-x");
        var answer = await nodes.Node2.Http().SendAsync(read);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("ringing", (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());

        // A change that arrives forwarded at a node that does not hold the call is refused, not applied to a copy.
        using var change = new HttpRequestMessage(HttpMethod.Post, $"/v1/calls/{call.CallId}/hangup");
        change.Headers.Add(NodeForwarder.ForwardedByHeader, "node-x");
        var refused = await Problem(await nodes.Node2.Http().SendAsync(change));
        Assert.Equal("node_unavailable", refused.GetProperty("rule").GetString());

        Assert.Empty(nodes.Seen1.All);
        Assert.Equal("ringing", (await nodes.Node1.Http().GetFromJsonAsync<JsonElement>($"/v1/calls/{call.CallId}")).GetProperty("state").GetString());
    }

    [Fact]
    public async Task OwnerNotAlive_ChangesAnswer503NodeUnavailable_ReadsAnswerFromTheStore()
    {
        using var nodes = await TwoNodes.Start(cluster);
        var call = await nodes.Node1.CreateCall(Ringing("erin", "frank"));
        var frank = await nodes.Node2.TokenFor("frank");
        await using var socket = await nodes.Node2.Connect(frank);

        nodes.Node2.Time.Advance(TimeSpan.FromSeconds(6)); // node 1 renewed nothing for longer than Cluster:LeaseSeconds (5)

        var problem = await Problem(await nodes.Node2.Http(frank).PostAsync($"/v1/calls/{call.CallId}/accept", null));
        Assert.Equal(("node_unavailable", 503), (problem.GetProperty("rule").GetString(), problem.GetProperty("status").GetInt32()));
        Assert.Contains("node-1", problem.GetProperty("detail").GetString());
        var read = await nodes.Node2.Http().GetFromJsonAsync<JsonElement>($"/v1/calls/{call.CallId}");
        Assert.Equal("ringing", read.GetProperty("state").GetString());

        await socket.Send(new { type = "status", callId = call.CallId, component = "player", code = 2004 });
        var error = await socket.Next("error");
        Assert.Equal(call.CallId, error.GetProperty("callId").GetString());
        Assert.Equal("node_unavailable", error.GetProperty("problem").GetProperty("rule").GetString());

        var listed = (await nodes.Node2.Http().GetFromJsonAsync<JsonElement>("/v1/cluster/nodes")).GetProperty("nodes").EnumerateArray()
            .Select(n => (n.GetProperty("nodeId").GetString(), n.GetProperty("alive").GetBoolean(), n.GetProperty("self").GetBoolean(),
                n.GetProperty("callsPlaced").GetInt32())).ToList();
        Assert.Equal([("node-1", false, false, 1), ("node-2", true, true, 0)], listed);
        Assert.Empty(nodes.Seen1.All);
    }

    [Fact]
    public async Task StatusFrame_OnNode2_ForACallOnNode1_IsAnsweredByNode1()
    {
        using var nodes = await TwoNodes.Start(cluster);
        var call = await nodes.Node1.CreateCall(Ringing("gina", "hank"));
        await using var hank = await nodes.Node2.Connect(await nodes.Node2.TokenFor("hank"));

        await hank.Send(new { type = "status", callId = call.CallId, component = "player", code = 2004 });
        var result = await hank.Next("status.result");

        Assert.Equal((call.CallId, "none", "ringing"), (result.GetProperty("callId").GetString(), result.GetProperty("action").GetString(),
            result.GetProperty("state").GetString()));
        Assert.Equal([$"POST /v1/calls/{call.CallId}/events by node-2"], nodes.Seen1.All);

        // An error of the owner comes back as its problem: a user who is not a party.
        await using var mallory = await nodes.Node2.Connect(await nodes.Node2.TokenFor("mallory"));
        await mallory.Send(new { type = "status", callId = call.CallId, component = "player", code = 2004 });
        var error = await mallory.Next("error");
        Assert.Equal(403, error.GetProperty("problem").GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task ActiveCalls_OnEitherNode_ListEveryNodesCalls_WithTheUrlsOfTheirNode()
    {
        using var nodes = await TwoNodes.Start(cluster);
        var one = await nodes.Node1.CreateCall(new { caller = new { userId = "ivy" }, callee = new { userId = "jack" }, ring = false });
        var two = await nodes.Node2.CreateCall(new { caller = new { userId = "kim" }, callee = new { userId = "leo" }, ring = false });

        foreach (var node in new[] { nodes.Node1, nodes.Node2 })
        {
            var calls = (await node.Http().GetFromJsonAsync<JsonElement>("/v1/calls")).GetProperty("calls").EnumerateArray().ToList();
            Assert.Equal(new[] { one.CallId, two.CallId }.Order(StringComparer.Ordinal),
                calls.Select(c => c.GetProperty("callId").GetString()!).Order(StringComparer.Ordinal));
            var listedOne = calls.Single(c => c.GetProperty("callId").GetString() == one.CallId);
            Assert.Equal(one.Parties.A.PushUrl, listedOne.GetProperty("parties").GetProperty("a").GetProperty("pushUrl").GetString());
            var listedTwo = calls.Single(c => c.GetProperty("callId").GetString() == two.CallId);
            Assert.Equal(two.Parties.B.PlayUrl, listedTwo.GetProperty("parties").GetProperty("b").GetProperty("playUrl").GetString());
        }
        Assert.NotEqual(new Uri(one.Parties.A.PushUrl!).Port, new Uri(two.Parties.A.PushUrl!).Port); // two relays
    }

    [Fact]
    public async Task DrainingNode_PlacesNewCallsOnAnAliveNode_AndWithNoneLeft_Answers503()
    {
        using var nodes = await TwoNodes.Start(cluster);
        nodes.Node2.Services.GetRequiredService<DrainState>().Begin();

        var placed = await nodes.Node2.CreateCall(new { caller = new { userId = "mia" }, callee = new { userId = "ned" }, ring = false });

        Assert.NotNull(nodes.Node1.Services.GetRequiredService<LiveCalls>().TryGet(placed.CallId));
        Assert.Equal(["POST /v1/calls by node-2"], nodes.Seen1.All);

        nodes.Node1.Services.GetRequiredService<ICallStore>().SetDraining("node-1", true);
        await Task.Delay(ClusterDirectory.MaxAge + TimeSpan.FromMilliseconds(200)); // node 2's registry read ages out
        var none = await Problem(await nodes.Node2.Http().PostAsJsonAsync("/v1/calls",
            new { caller = new { userId = "ola" }, callee = new { userId = "pia" }, ring = false }));
        Assert.Equal("node_unavailable", none.GetProperty("rule").GetString());
    }
}

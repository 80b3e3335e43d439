using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests.Cluster;

/// <summary>
/// Losing a node: <c>kill -9</c> of the node that placed calls (another node ends them <c>node_lost</c> within the
/// lease), and <c>SIGTERM</c> (the node drains: its calls keep going, <c>/readyz</c> answers 503, then it exits 0).
/// Each test starts its own two nodes on its own database: they stop a node.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterFailoverTests(ClusterFixture cluster)
{
    /// <summary>
    /// The kill test's <c>Cluster:LeaseSeconds</c> (renewals every 1 s). Takeover checks run every half lease, so a lost
    /// node's calls end by 1.5 × lease after its last renewal: 3 s here, inside the contract's lease + 2 s = 4 s.
    /// </summary>
    private const int LeaseSeconds = 2;

    [Fact]
    public async Task KillMinus9OfThePlacingNode_EndsItsCallsNodeLost_OnTheOtherNodesSockets_WithinTheLeasePlus2s()
    {
        await using var nodes = await cluster.StartNodesAsync("kill9", 2,
            new Dictionary<string, string> { ["Cluster:LeaseSeconds"] = LeaseSeconds.ToString(), ["Cluster:RenewSeconds"] = "1" });
        var (placing, survivor) = (nodes[0], nodes[1]);
        var caller = ClusterApi.UniqueUser("max");
        var callee = ClusterApi.UniqueUser("ned");
        await using var accepted = await ClusterApi.RingAndAcceptAsync(placing, callerNode: survivor, calleeNode: survivor, caller, callee);

        // A second call still ringing, its parties' sockets on the surviving node too.
        var ringCaller = ClusterApi.UniqueUser("olga");
        var ringCallee = ClusterApi.UniqueUser("pia");
        await using var ringCallerSocket = await PartySocket.ConnectAsync(survivor.Service, await survivor.Service.IssueTokenAsync(ringCaller));
        await using var ringCalleeSocket = await PartySocket.ConnectAsync(survivor.Service, await survivor.Service.IssueTokenAsync(ringCallee));
        var (created, ringing) = await placing.CreateCallAsync(ringCaller, ringCallee, ring: true);
        Assert.True(created == HttpStatusCode.Created, ringing.ToJsonString());
        await ringCalleeSocket.WaitForAsync("call.incoming", Bounds.EventDelivery);

        var killedAt = DateTimeOffset.UtcNow;
        var sinceKill = Stopwatch.StartNew();
        placing.Service.KillAbruptly();

        // The contract's bound, measured from the kill (the last renewal was at or before it): no margin added.
        var bound = TimeSpan.FromSeconds(LeaseSeconds + 2);
        var sockets = new[] { accepted.Caller, accepted.Callee, ringCallerSocket, ringCalleeSocket };
        foreach (var socket in sockets)
        {
            var left = bound - sinceKill.Elapsed;
            var ended = await socket.WaitForAsync("call.ended", left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
            Assert.Equal("node_lost", ended["data"]!.Str("reason"));
            Assert.Equal("system", ended["data"]!.Str("endedBy"));
        }
        Console.WriteLine($"kill -9: node_lost on the other node's four sockets {sinceKill.Elapsed.TotalMilliseconds:F0} ms after the kill (bound {bound.TotalMilliseconds} ms)");

        foreach (var callId in new[] { accepted.CallId, ringing.Str("callId") })
        {
            var call = await survivor.GetJsonAsync($"/v1/calls/{callId}");
            Assert.Equal("ended", call.Str("state"));
            Assert.Equal("node_lost", call.Str("endReason"));
            Assert.Equal("system", call.Str("endedBy"));
            // endedAt is the last moment the lost node was known alive, never the takeover's time.
            var endedAt = DateTimeOffset.Parse(call.Str("endedAt"), CultureInfo.InvariantCulture);
            Assert.InRange(endedAt, DateTimeOffset.Parse(call.Str("createdAt"), CultureInfo.InvariantCulture), killedAt.AddMilliseconds(100));
        }
        var record = Assert.Single((await survivor.GetJsonAsync($"/v1/records?userId={caller}"))["records"]!.AsArray())!;
        Assert.Equal("node_lost", record.Str("endReason"));
        var active = (await survivor.GetJsonAsync("/v1/calls?state=active"))["calls"]!.AsArray();
        Assert.Empty(active);
        var lost = (await survivor.GetJsonAsync("/v1/cluster/nodes"))["nodes"]!.AsArray().Single(n => n!.Str("nodeId") == "node-1")!;
        Assert.False(lost["alive"]!.GetValue<bool>());

        // No ghost: the parties are free to call again, and the new call is placed on the surviving node.
        var (again, retry) = await survivor.CreateCallAsync(caller, callee, ring: true);
        Assert.True(again == HttpStatusCode.Created, retry.ToJsonString());
        Assert.Equal("ringing", retry.Str("state"));
        ClusterApi.AssertPlacedOn(survivor, retry.Str("callId"), retry["parties"]!["a"]!.AsObject(), pushes: "a", plays: "b");
        await survivor.Service.HangUpAsync(retry.Str("callId"));
    }

    [Fact]
    public async Task SigtermDrainsTheNode_ItsLiveCallKeepsGoingUntilHungUp_ReadyzIs503_ThenItExits0()
    {
        await using var nodes = await cluster.StartNodesAsync("drain", 2,
            new Dictionary<string, string> { ["Cluster:DrainSeconds"] = "120" });
        var (draining, other) = (nodes[0], nodes[1]);
        await using var call = await ClusterApi.RingAndAcceptAsync(draining, callerNode: other, calleeNode: other,
            ClusterApi.UniqueUser("quin"), ClusterApi.UniqueUser("rey"));
        await using var media = call.StartMedia(seconds: 120);
        await call.Caller.WaitForAsync("call.connected", Bounds.MediaConnect);
        await call.Callee.WaitForAsync("call.connected", Bounds.MediaConnect);

        draining.Service.Terminate();

        var readyz = await PollReadyzAsync(draining, HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(5));
        Assert.True(readyz.Status == HttpStatusCode.ServiceUnavailable, $"/readyz while draining: {(int)readyz.Status} {readyz.Body}\n{nodes.Logs()}");
        Assert.Contains("draining", readyz.Body);
        var registry = (await other.GetJsonAsync("/v1/cluster/nodes"))["nodes"]!.AsArray();
        Assert.True(registry.Single(n => n!.Str("nodeId") == "node-1")!["draining"]!.GetValue<bool>(), registry.ToJsonString());

        // A new call asked of the draining node is placed on a node that takes placements.
        var (created, placedElsewhere) = await draining.CreateCallAsync(ClusterApi.UniqueUser("sol"), ClusterApi.UniqueUser("tam"), ring: false);
        Assert.True(created == HttpStatusCode.Created, placedElsewhere.ToJsonString());
        ClusterApi.AssertPlacedOn(other, placedElsewhere.Str("callId"), placedElsewhere["parties"]!["a"]!.AsObject(), pushes: "a", plays: "b");
        await other.Service.HangUpAsync(placedElsewhere.Str("callId"));

        // The live call keeps going: media flows, the call stays connected on every node.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.False(draining.Service.HasExited, "the draining node keeps serving its call");
        Assert.False(media.PushA.HasExited || media.PushB.HasExited || media.PlayA.HasExited || media.PlayB.HasExited,
            $"the call's media keeps flowing during the drain: {media.PushA.StandardError}{media.PlayB.StandardError}");
        Assert.Equal("connected", (await other.GetJsonAsync($"/v1/calls/{call.CallId}")).Str("state"));

        var (status, ended) = await other.Service.AsPartyAsync(call.CallerToken, $"/v1/calls/{call.CallId}/hangup");
        Assert.True(status == HttpStatusCode.OK, $"hang-up during the drain: {(int)status} {ended.ToJsonString()}");
        Assert.Equal("hangup", (await call.Callee.WaitForAsync("call.ended", Bounds.EventDelivery))["data"]!.Str("reason"));

        Assert.True(await draining.Service.WaitForExitAsync(TimeSpan.FromSeconds(15)),
            $"the drained node exits once its last call ended\n{nodes.Logs()}");
        Assert.Equal(0, draining.Service.ExitCode);
        var record = (await other.GetJsonAsync($"/v1/calls/{call.CallId}"));
        Assert.Equal("hangup", record.Str("endReason"));
        Assert.Equal("a", record.Str("endedBy"));
    }

    [Fact]
    public async Task SigtermDrain_EndsTheCallsStillRunningAfterDrainSeconds_WithServiceRestart_ThenExits0()
    {
        const int drainSeconds = 3;
        await using var nodes = await cluster.StartNodesAsync("drain_timeout", 2,
            new Dictionary<string, string> { ["Cluster:DrainSeconds"] = drainSeconds.ToString() });
        var (draining, other) = (nodes[0], nodes[1]);
        await using var call = await ClusterApi.RingAndAcceptAsync(draining, callerNode: other, calleeNode: other,
            ClusterApi.UniqueUser("uma"), ClusterApi.UniqueUser("vic"));

        var sinceTerm = Stopwatch.StartNew();
        draining.Service.Terminate();

        var bound = TimeSpan.FromSeconds(drainSeconds) + Bounds.EventDelivery;
        foreach (var socket in new[] { call.Caller, call.Callee })
        {
            var left = bound - sinceTerm.Elapsed;
            var ended = await socket.WaitForAsync("call.ended", left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
            Assert.Equal("service_restart", ended["data"]!.Str("reason"));
            Assert.Equal("system", ended["data"]!.Str("endedBy"));
        }
        Assert.True(sinceTerm.Elapsed >= TimeSpan.FromSeconds(drainSeconds - 0.5), $"the call ran through the drain ({sinceTerm.Elapsed})");
        Assert.True(await draining.Service.WaitForExitAsync(TimeSpan.FromSeconds(15)), $"the drained node exits\n{nodes.Logs()}");
        Assert.Equal(0, draining.Service.ExitCode);
        Assert.Equal("service_restart", (await other.GetJsonAsync($"/v1/calls/{call.CallId}")).Str("endReason"));
    }

    private static async Task<(HttpStatusCode Status, string Body)> PollReadyzAsync(ClusterNode node, HttpStatusCode wanted, TimeSpan bound)
    {
        var deadline = Stopwatch.StartNew();
        var last = (Status: (HttpStatusCode)0, Body: "");
        while (deadline.Elapsed < bound)
        {
            using var response = await node.Http.GetAsync("/readyz");
            last = (response.StatusCode, await response.Content.ReadAsStringAsync());
            if (last.Status == wanted) break;
            await Task.Delay(100);
        }
        return last;
    }
}

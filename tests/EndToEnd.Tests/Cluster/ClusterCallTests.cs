using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests.Cluster;

/// <summary>
/// A call across three real CallService nodes on one PostgreSQL: created on node 1, the caller's socket on node 3,
/// the callee's socket on node 2, accepted on node 2, ffmpeg publishing and playing on node 1's relay.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterCallTests(ClusterFixture cluster)
{
    private ClusterNode Node1 => cluster.Shared[0];
    private ClusterNode Node2 => cluster.Shared[1];
    private ClusterNode Node3 => cluster.Shared[2];

    [Fact]
    public async Task CreatedOnNode1_AcceptedOnNode2_MediaOnNode1_ConnectsOnBothSockets_AndEveryNodeAnswersTheSame()
    {
        var caller = ClusterApi.UniqueUser("ana");
        var callee = ClusterApi.UniqueUser("ben");
        await using var call = await ClusterApi.RingAndAcceptAsync(Node1, callerNode: Node3, calleeNode: Node2, caller, callee);
        await using var media = call.StartMedia(seconds: 60);

        await call.Caller.WaitForAsync("call.connected", Bounds.MediaConnect);
        await call.Callee.WaitForAsync("call.connected", Bounds.MediaConnect);
        var probe = await Ffmpeg.ProbeAsync(call.CalleeView["playFlvUrl"]!.GetValue<string>());
        Assert.True(probe.Find("h264") is { PacketsRead: > 0 } && probe.Find("aac") is { PacketsRead: > 0 },
            $"node 1's relay serves the caller's stream to a third viewer: {probe}");

        // A status frame on the callee's socket (node 2) is applied by the call's node and answered on node 2.
        await call.Callee.SendAsync(new { type = "status", callId = call.CallId, component = "pusher", code = 1101 });
        var result = await call.Callee.WaitForAsync("status.result", Bounds.EventDelivery);
        Assert.Equal("none", result.Str("action"));
        Assert.Equal("connected", result.Str("state"));
        var warning = await call.Caller.WaitForAsync("call.peer_warning", Bounds.EventDelivery);
        Assert.Equal(1101, warning["data"]!["code"]!.GetValue<int>());

        foreach (var node in cluster.Shared.All)
        {
            var seen = await node.GetJsonAsync($"/v1/calls/{call.CallId}");
            Assert.Equal("connected", seen.Str("state"));
            Assert.Equal(caller, seen["parties"]!["a"]!.Str("userId"));
            Assert.Equal(call.CallerView["pushUrl"]!.GetValue<string>(), seen["parties"]!["a"]!.Str("pushUrl"));
            Assert.Equal(1, seen["parties"]!["b"]!["quality"]!["warnings"]!["1101"]!.GetValue<int>());
            var active = await node.GetJsonAsync("/v1/calls?state=active");
            Assert.Contains(active["calls"]!.AsArray(), c => c!.Str("callId") == call.CallId);
        }

        var ended = await Node3.Service.HangUpAsync(call.CallId);
        Assert.Equal("ended", ended.Str("state"));
        Assert.Equal("system", ended.Str("endedBy"));
    }

    [Fact]
    public async Task RecordedOnNode1_IsListedAndDownloadedThroughNode2_WithRanges()
    {
        await using var call = await ClusterApi.RingAndAcceptAsync(Node1, callerNode: Node1, calleeNode: Node2,
            ClusterApi.UniqueUser("rae"), ClusterApi.UniqueUser("rob"), recording: "on");
        await using (var media = call.StartMedia(seconds: 5))
        {
            await call.Caller.WaitForAsync("call.connected", Bounds.MediaConnect);
            Assert.True(await media.AllExitAsync(TimeSpan.FromSeconds(30)), "the ffmpeg peers ran their 5 s");
        }
        var (status, _) = await Node2.Service.AsPartyAsync(call.CalleeToken, $"/v1/calls/{call.CallId}/hangup");
        Assert.Equal(HttpStatusCode.OK, status);

        // Node 1 recorded and post-processes (its disk); node 2 lists the files from the shared store and serves their
        // signed links by forwarding to node 1.
        var recordings = await Node2.Service.WaitForRecordingsAsync(call.CallId, TimeSpan.FromSeconds(90), "ready", "failed");
        Assert.True(recordings["state"]!.GetValue<string>() == "ready", recordings.ToJsonString());
        var files = recordings["files"]!.AsArray().Select(f => f!.AsObject()).ToList();
        Assert.Equal(5, files.Count);
        using var browser = new HttpClient(); // no bearer: the link is the credential
        foreach (var file in files)
        {
            var url = file["url"]!.GetValue<string>();
            Assert.StartsWith(Node2.InternalUrl + "/", url);
            using var response = await browser.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            Assert.Equal(file["bytes"]!.GetValue<long>(), bytes.LongLength);
            Assert.Equal(file["sha256"]!.GetValue<string>(), EvidenceTools.Sha256(bytes));

            using var range = new HttpRequestMessage(HttpMethod.Get, url);
            range.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(100, 1099);
            using var partial = await browser.SendAsync(range);
            Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
            Assert.Equal(bytes[100..1100], await partial.Content.ReadAsByteArrayAsync());
        }
    }

    [Fact]
    public async Task HangUpOnNode2_DisconnectsThePublishersOnNode1_WithinOneSecond()
    {
        await using var call = await ClusterApi.RingAndAcceptAsync(Node1, callerNode: Node1, calleeNode: Node2,
            ClusterApi.UniqueUser("cai"), ClusterApi.UniqueUser("dan"));
        await using var media = call.StartMedia(seconds: 60);
        await call.Caller.WaitForAsync("call.connected", Bounds.MediaConnect);
        await call.Callee.WaitForAsync("call.connected", Bounds.MediaConnect);
        Assert.False(media.PushA.HasExited || media.PushB.HasExited, "both publishers run while the call is connected");

        var sinceHangUp = Stopwatch.StartNew();
        var (status, ended) = await Node2.Service.AsPartyAsync(call.CalleeToken, $"/v1/calls/{call.CallId}/hangup");
        Assert.True(status == HttpStatusCode.OK, $"hang-up on node 2: {(int)status} {ended.ToJsonString()}");
        Assert.Equal("ended", ended.Str("state"));
        Assert.Equal("hangup", ended.Str("endReason"));
        Assert.Equal("b", ended.Str("endedBy"));

        var pushAExited = await ExitsWithinAsync(media.PushA, Bounds.Kick, sinceHangUp);
        var pushBExited = await ExitsWithinAsync(media.PushB, Bounds.Kick, sinceHangUp);
        Assert.True(pushAExited && pushBExited,
            $"node 1 disconnected both publishers within {Bounds.Kick} of the hang-up on node 2 (A exited: {pushAExited}, B exited: {pushBExited})");
        Assert.True(await media.AllExitAsync(TimeSpan.FromSeconds(10)), "the viewers were disconnected too");

        var told = await call.Caller.WaitForAsync("call.ended", Bounds.EventDelivery);
        Assert.Equal("hangup", told["data"]!.Str("reason"));
        Assert.Equal("b", told["data"]!.Str("endedBy"));

        // The placing node refuses the ended call's URL from now on.
        using var again = Ffmpeg.Publish(call.CallerView["pushUrl"]!.GetValue<string>(), seconds: 30);
        Assert.True(await again.WaitForExitAsync(TimeSpan.FromSeconds(15)), "a publish with the ended call's URL was refused");
        Assert.NotEqual(0, again.ExitCode);
    }

    [Fact]
    public async Task RecordsAndCalls_AreTheSameOnEveryNode()
    {
        var caller = ClusterApi.UniqueUser("eva");
        var callee = ClusterApi.UniqueUser("fay");
        var (created, call) = await Node2.CreateCallAsync(caller, callee, ring: false);
        Assert.True(created == HttpStatusCode.Created, call.ToJsonString());
        var callId = call.Str("callId");
        ClusterApi.AssertPlacedOn(Node2, callId, call["parties"]!["a"]!.AsObject(), pushes: "a", plays: "b");

        var ended = await Node3.Service.HangUpAsync(callId);
        Assert.Equal("hangup", ended.Str("endReason"));

        var records = new List<JsonNode>();
        var calls = new List<JsonNode>();
        foreach (var node in cluster.Shared.All)
        {
            records.Add(await node.GetJsonAsync($"/v1/records?userId={caller}"));
            calls.Add(WithoutApiOrigin(await node.GetJsonAsync($"/v1/calls/{callId}")));
        }
        var record = Assert.Single(records[0]["records"]!.AsArray())!;
        Assert.Equal(callId, record.Str("callId"));
        Assert.Equal("hangup", record.Str("endReason"));
        Assert.Equal("system", record.Str("endedBy"));
        Assert.Equal(callee, record.Str("calleeUserId"));
        Assert.Equal(new[] { "accepted", "ended" }, record["transitions"]!.AsArray().Select(t => t!.Str("state")));
        for (var i = 1; i < records.Count; i++)
        {
            Assert.True(JsonNode.DeepEquals(records[0], records[i]),
                $"records on {cluster.Shared[i]} differ:\n{records[0].ToJsonString()}\n{records[i].ToJsonString()}");
            Assert.True(JsonNode.DeepEquals(calls[0], calls[i]),
                $"GET /v1/calls/{callId} on {cluster.Shared[i]} differs:\n{calls[0].ToJsonString()}\n{calls[i].ToJsonString()}");
        }
    }

    /// <summary>
    /// The call without its WHIP/WHEP URLs: they name the answering node's own HTTP address unless
    /// <c>WebRtc:PublicBaseUrl</c> names the balancer (these nodes have no balancer), and work on any node.
    /// </summary>
    private static JsonNode WithoutApiOrigin(JsonNode call)
    {
        foreach (var party in new[] { "a", "b" })
            call["parties"]![party]!.AsObject().Remove("webrtc");
        return call;
    }

    private static async Task<bool> ExitsWithinAsync(RunningProcess process, TimeSpan bound, Stopwatch since) =>
        process.HasExited || (bound > since.Elapsed && await process.WaitForExitAsync(bound - since.Elapsed));
}

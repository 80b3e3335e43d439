using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests.Cluster;

/// <summary>
/// A call rung on one node (the placing node) while each party's socket is on a node of its own, accepted on the
/// callee's node: every step crosses nodes. Checks on the way that each event reaches the party's node within the
/// contract's bound and that every URL points to the placing node's relay.
/// </summary>
internal sealed class CrossNodeCall : IAsyncDisposable
{
    public required string CallId { get; init; }
    public required string CallerToken { get; init; }
    public required string CalleeToken { get; init; }
    public required PartySocket Caller { get; init; }
    public required PartySocket Callee { get; init; }
    public required JsonObject CallerView { get; init; }
    public required JsonObject CalleeView { get; init; }

    /// <summary>
    /// Caller's token and socket on <paramref name="callerNode"/>, callee's on <paramref name="calleeNode"/>; the caller
    /// creates the call (<c>ring: true</c>, <paramref name="recording"/> when given) on <paramref name="placingNode"/>, the
    /// callee accepts on its own node.
    /// </summary>
    public static async Task<CrossNodeCall> RingAndAcceptAsync(ClusterNode placingNode, ClusterNode callerNode, ClusterNode calleeNode,
        string caller, string callee, string? recording = null)
    {
        var callerToken = await callerNode.Service.IssueTokenAsync(caller);
        var calleeToken = await calleeNode.Service.IssueTokenAsync(callee);
        var callerSocket = await PartySocket.ConnectAsync(callerNode.Service, callerToken);
        var calleeSocket = await PartySocket.ConnectAsync(calleeNode.Service, calleeToken);

        object body = recording is null
            ? new { callee = new { userId = callee }, scenario = "general", ring = true }
            : new { callee = new { userId = callee }, scenario = "general", ring = true, recording };
        var (created, call) = await placingNode.Service.AsPartyAsync(callerToken, "/v1/calls", body);
        Assert.True(created == HttpStatusCode.Created, $"create on {placingNode}: {(int)created} {call.ToJsonString()}");
        Assert.Equal("ringing", call["state"]!.GetValue<string>());
        var callId = call["callId"]!.GetValue<string>();
        Assert.StartsWith(placingNode.RtmpBaseUrl + "/", call.Url("a", "pushUrl"));

        var incoming = await calleeSocket.WaitForAsync("call.incoming", Bounds.EventDelivery);
        Assert.Equal(callId, incoming["callId"]!.GetValue<string>());

        var (accepted, acceptedCall) = await calleeNode.Service.AsPartyAsync(calleeToken, $"/v1/calls/{callId}/accept");
        Assert.True(accepted == HttpStatusCode.OK, $"accept on {calleeNode}: {(int)accepted} {acceptedCall.ToJsonString()}");
        Assert.Equal("accepted", acceptedCall["state"]!.GetValue<string>());

        var callerView = (await callerSocket.WaitForAsync("call.accepted", Bounds.EventDelivery))["data"]!["view"]!.AsObject();
        var calleeView = (await calleeSocket.WaitForAsync("call.accepted", Bounds.EventDelivery))["data"]!["view"]!.AsObject();
        AssertPlacedOn(placingNode, callId, callerView, pushes: "a", plays: "b");
        AssertPlacedOn(placingNode, callId, calleeView, pushes: "b", plays: "a");

        return new CrossNodeCall
        {
            CallId = callId, CallerToken = callerToken, CalleeToken = calleeToken,
            Caller = callerSocket, Callee = calleeSocket, CallerView = callerView, CalleeView = calleeView,
        };
    }

    /// <summary>A party's URLs name the placing node's relay: RTMP push and play, HTTP-FLV play.</summary>
    public static void AssertPlacedOn(ClusterNode node, string callId, JsonObject view, string pushes, string plays)
    {
        Assert.StartsWith($"{node.RtmpBaseUrl}/{callId}-{pushes}?", view["pushUrl"]!.GetValue<string>());
        Assert.StartsWith($"{node.RtmpBaseUrl}/{callId}-{plays}?", view["playUrl"]!.GetValue<string>());
        Assert.StartsWith($"{node.FlvBaseUrl}/{callId}-{plays}.flv?", view["playFlvUrl"]!.GetValue<string>());
    }

    /// <summary>Both parties publish with ffmpeg to the URLs they were given and play the peer (A over RTMP, B over HTTP-FLV).</summary>
    public CallPeers StartMedia(int seconds) => new(
        Ffmpeg.Publish(CallerView["pushUrl"]!.GetValue<string>(), seconds),
        Ffmpeg.Publish(CalleeView["pushUrl"]!.GetValue<string>(), seconds),
        Ffmpeg.Play(CallerView["playUrl"]!.GetValue<string>(), seconds),
        Ffmpeg.Play(CalleeView["playFlvUrl"]!.GetValue<string>(), seconds));

    public async ValueTask DisposeAsync()
    {
        await Caller.DisposeAsync();
        await Callee.DisposeAsync();
    }
}

/// <summary>Plain JSON requests the cluster tests make with the API key.</summary>
internal static class ClusterApi
{
    /// <summary>Unique user ids per test run, so tests on the shared nodes never meet the busy rule by accident.</summary>
    public static string UniqueUser(string name) => $"{name}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary><c>POST /v1/calls</c> with the API key; the status and the body (asserted to be JSON).</summary>
    public static async Task<(HttpStatusCode Status, JsonObject Body)> CreateCallAsync(this ClusterNode node, string caller, string callee,
        bool ring)
    {
        using var response = await node.Http.PostAsJsonAsync("/v1/calls", new
        {
            caller = new { userId = caller },
            callee = new { userId = callee },
            scenario = "general",
            ring,
        });
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonNode.Parse(text)!.AsObject());
    }

    /// <summary><c>GET <paramref name="path"/></c> with the API key, asserted 200; the body.</summary>
    public static async Task<JsonNode> GetJsonAsync(this ClusterNode node, string path)
    {
        using var response = await node.Http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path} on {node}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>The string property <paramref name="name"/>, asserted present (the failure shows the whole object).</summary>
    public static string Str(this JsonNode node, string name) =>
        node[name]?.GetValue<string>() ?? throw new Xunit.Sdk.XunitException($"no string '{name}' in {node.ToJsonString()}");
}

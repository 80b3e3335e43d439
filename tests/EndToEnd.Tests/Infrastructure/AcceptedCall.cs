using System.Net;
using System.Text.Json.Nodes;

namespace EndToEnd.Tests.Infrastructure;

/// <summary>
/// A call rung by its caller (<c>ring: true</c>) and accepted by its callee, both listening on WebSockets. On one node
/// every step goes to the same service; on several, the call is placed on one node while each party's token and socket
/// are on a node of its own and the callee accepts on its node, so every step crosses nodes. Checks on the way that
/// each event reaches the party's socket within the given bound, each party's role, and that every URL a party is given
/// names the placing node's relay (its own push URL, the peer's play URLs: DESIGN §1).
/// </summary>
internal sealed class AcceptedCall : IAsyncDisposable
{
    /// <summary>How long a single-node test waits for an event: not a contract bound, room for a busy machine.</summary>
    public static readonly TimeSpan EventWait = TimeSpan.FromSeconds(10);

    public required string CallId { get; init; }
    public required string CallerToken { get; init; }
    public required string CalleeToken { get; init; }
    public required PartySocket Caller { get; init; }
    public required PartySocket Callee { get; init; }
    public required JsonObject CallerView { get; init; }
    public required JsonObject CalleeView { get; init; }

    /// <summary>Everything on <paramref name="service"/>; the call's optional settings as in the several-nodes overload.</summary>
    public static Task<AcceptedCall> RingAndAcceptAsync(ServiceProcess service, string caller, string callee,
        int? publisherLostGraceSeconds = null) =>
        RingAndAcceptAsync(service, service, service, caller, callee, EventWait, publisherLostGraceSeconds: publisherLostGraceSeconds);

    /// <summary>
    /// Caller's token and socket on <paramref name="callerNode"/>, callee's on <paramref name="calleeNode"/>; the caller
    /// creates the call on <paramref name="placingNode"/> (with <paramref name="recording"/> and
    /// <paramref name="publisherLostGraceSeconds"/> when given), the callee accepts on its own node; each event is
    /// awaited at most <paramref name="eventWithin"/>.
    /// </summary>
    public static async Task<AcceptedCall> RingAndAcceptAsync(ServiceProcess placingNode, ServiceProcess callerNode,
        ServiceProcess calleeNode, string caller, string callee, TimeSpan eventWithin, string? recording = null,
        int? publisherLostGraceSeconds = null)
    {
        var callerToken = await callerNode.IssueTokenAsync(caller);
        var calleeToken = await calleeNode.IssueTokenAsync(callee);
        var callerSocket = await PartySocket.ConnectAsync(callerNode, callerToken);
        var calleeSocket = await PartySocket.ConnectAsync(calleeNode, calleeToken);

        var body = new JsonObject { ["callee"] = new JsonObject { ["userId"] = callee }, ["scenario"] = "general", ["ring"] = true };
        if (recording is not null) body["recording"] = recording;
        if (publisherLostGraceSeconds is { } grace) body["publisherLostGraceSeconds"] = grace;
        var (created, call) = await placingNode.AsPartyAsync(callerToken, "/v1/calls", body);
        Assert.True(created == HttpStatusCode.Created, $"create on {placingNode}: {(int)created} {call.ToJsonString()}");
        Assert.Equal("ringing", call["state"]!.GetValue<string>());
        var callId = call["callId"]!.GetValue<string>();
        Assert.StartsWith(placingNode.RtmpBaseUrl + "/", call.Url("a", "pushUrl"));

        var incoming = await calleeSocket.WaitForAsync("call.incoming", eventWithin);
        Assert.Equal(callId, incoming["callId"]!.GetValue<string>());

        var (accepted, acceptedCall) = await calleeNode.AsPartyAsync(calleeToken, $"/v1/calls/{callId}/accept");
        Assert.True(accepted == HttpStatusCode.OK, $"accept on {calleeNode}: {(int)accepted} {acceptedCall.ToJsonString()}");
        Assert.Equal("accepted", acceptedCall["state"]!.GetValue<string>());

        var callerAccepted = (await callerSocket.WaitForAsync("call.accepted", eventWithin))["data"]!;
        var calleeAccepted = (await calleeSocket.WaitForAsync("call.accepted", eventWithin))["data"]!;
        Assert.Equal("a", callerAccepted["role"]!.GetValue<string>());
        Assert.Equal("b", calleeAccepted["role"]!.GetValue<string>());
        var callerView = callerAccepted["view"]!.AsObject();
        var calleeView = calleeAccepted["view"]!.AsObject();
        AssertPlacedOn(placingNode, callId, callerView, pushes: "a", plays: "b");
        AssertPlacedOn(placingNode, callId, calleeView, pushes: "b", plays: "a");

        return new AcceptedCall
        {
            CallId = callId, CallerToken = callerToken, CalleeToken = calleeToken,
            Caller = callerSocket, Callee = calleeSocket, CallerView = callerView, CalleeView = calleeView,
        };
    }

    /// <summary>A party's URLs name <paramref name="node"/>'s relay: RTMP push and play, HTTP-FLV play.</summary>
    public static void AssertPlacedOn(ServiceProcess node, string callId, JsonObject view, string pushes, string plays)
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

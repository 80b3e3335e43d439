using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests;

/// <summary>
/// Issue 3, end to end: parties with user tokens and WebSockets, ffmpeg as both pushers and players,
/// the coordinator ending calls on status codes and on the relay's view of the streams.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class CallCoordinatorEndToEndTests(ServiceFixture fixture)
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(20);
    private ServiceProcess Service => fixture.Service;

    [Fact]
    public async Task RingAcceptConnect_ThenCalleeReportsPlayerMinus2301_CallerGetsEndedWithThatCode()
    {
        await using var call = await RingingCall.StartAsync(Service, "gina", "hank");
        await using var media = call.StartMedia(seconds: 60);
        await call.Caller.WaitForAsync("call.connected", EventTimeout);
        await call.Callee.WaitForAsync("call.connected", EventTimeout);

        var (status, report) = await Service.AsPartyAsync(call.CalleeToken, $"/v1/calls/{call.CallId}/events",
            new { component = "player", code = -2301, message = "PLAY_ERR_NET_DISCONNECT" });
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("hangup", report["action"]!.GetValue<string>());

        var ended = await call.Caller.WaitForAsync("call.ended", EventTimeout);
        Assert.Equal("client_terminal_code", ended["data"]!["reason"]!.GetValue<string>());
        Assert.Equal("b", ended["data"]!["endedBy"]!.GetValue<string>());
        Assert.Equal(-2301, ended["data"]!["code"]!.GetValue<int>());
        Assert.True(await media.AllExitAsync(TimeSpan.FromSeconds(10)), "the relay disconnected every peer of the ended call");
    }

    [Fact]
    public async Task CallerPublisherKilled_CalleeGetsMediaLostAfterTheGrace()
    {
        await using var call = await RingingCall.StartAsync(Service, "ivan", "judy", publisherLostGraceSeconds: 2);
        await using var media = call.StartMedia(seconds: 60);
        await call.Callee.WaitForAsync("call.connected", EventTimeout);

        var killedAt = Stopwatch.StartNew();
        media.PushA.Kill();
        var ended = await call.Callee.WaitForAsync("call.ended", EventTimeout);

        Assert.Equal("media_lost", ended["data"]!["reason"]!.GetValue<string>());
        Assert.Equal("a", ended["data"]!["endedBy"]!.GetValue<string>());
        Assert.True(killedAt.Elapsed >= TimeSpan.FromSeconds(1.5), $"the grace was honoured (ended after {killedAt.Elapsed})");
    }

    [Fact]
    public async Task Restart_KeepsEveryRecord_AndEndsUnfinishedCallsWithServiceRestart()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("callservice-restart-").FullName;
        string finished, unfinished;
        await using (var first = await ServiceProcess.StartAsync(dataDirectory))
        {
            finished = (await first.CreateDirectCallAsync("kim", "lee"))["callId"]!.GetValue<string>();
            await first.HangUpAsync(finished);
            unfinished = (await first.CreateDirectCallAsync("mo", "ned"))["callId"]!.GetValue<string>();
        }

        await using var second = await ServiceProcess.StartAsync(dataDirectory);
        var restarted = JsonNode.Parse(await second.Http.GetStringAsync($"/v1/calls/{unfinished}"))!;
        Assert.Equal("ended", restarted["state"]!.GetValue<string>());
        Assert.Equal("service_restart", restarted["endReason"]!.GetValue<string>());

        var records = JsonNode.Parse(await second.Http.GetStringAsync("/v1/records?userId=kim"))!;
        var kept = records["records"]!.AsArray().Single(r => r!["callId"]!.GetValue<string>() == finished)!;
        Assert.Equal("hangup", kept["endReason"]!.GetValue<string>());
    }
}

/// <summary>A call rung by its caller and accepted by its callee, both listening on WebSockets.</summary>
internal sealed class RingingCall : IAsyncDisposable
{
    public required string CallId { get; init; }
    public required string CallerToken { get; init; }
    public required string CalleeToken { get; init; }
    public required PartySocket Caller { get; init; }
    public required PartySocket Callee { get; init; }
    public required JsonObject CallerView { get; init; }
    public required JsonObject CalleeView { get; init; }

    public static async Task<RingingCall> StartAsync(ServiceProcess service, string caller, string callee,
        int publisherLostGraceSeconds = 10)
    {
        var callerToken = await service.IssueTokenAsync(caller);
        var calleeToken = await service.IssueTokenAsync(callee);
        var callerSocket = await PartySocket.ConnectAsync(service, callerToken);
        var calleeSocket = await PartySocket.ConnectAsync(service, calleeToken);

        var (created, call) = await service.AsPartyAsync(callerToken, "/v1/calls",
            new { callee = new { userId = callee }, scenario = "general", ring = true, publisherLostGraceSeconds });
        Assert.True(created == HttpStatusCode.Created, call.ToJsonString());
        Assert.Equal("ringing", call["state"]!.GetValue<string>());
        var callId = call["callId"]!.GetValue<string>();

        var incoming = await calleeSocket.WaitForAsync("call.incoming", TimeSpan.FromSeconds(10));
        Assert.Equal(callId, incoming["callId"]!.GetValue<string>());

        var (accepted, acceptedCall) = await service.AsPartyAsync(calleeToken, $"/v1/calls/{callId}/accept");
        Assert.True(accepted == HttpStatusCode.OK, acceptedCall.ToJsonString());
        var callerAccepted = (await callerSocket.WaitForAsync("call.accepted", TimeSpan.FromSeconds(10)))["data"]!;
        var calleeAccepted = (await calleeSocket.WaitForAsync("call.accepted", TimeSpan.FromSeconds(10)))["data"]!;
        Assert.Equal("a", callerAccepted["role"]!.GetValue<string>());
        Assert.Equal("b", calleeAccepted["role"]!.GetValue<string>());
        var callerView = callerAccepted["view"]!.AsObject();
        var calleeView = calleeAccepted["view"]!.AsObject();

        // Each party's view holds its own push URL and the peer's play URL (DESIGN §1).
        Assert.Contains($"/live/{callId}-a?", callerView["pushUrl"]!.GetValue<string>());
        Assert.Contains($"/live/{callId}-b?", callerView["playUrl"]!.GetValue<string>());
        Assert.Contains($"/live/{callId}-b?", calleeView["pushUrl"]!.GetValue<string>());
        Assert.Contains($"/live/{callId}-a?", calleeView["playUrl"]!.GetValue<string>());

        return new RingingCall
        {
            CallId = callId, CallerToken = callerToken, CalleeToken = calleeToken,
            Caller = callerSocket, Callee = calleeSocket, CallerView = callerView, CalleeView = calleeView,
        };
    }

    /// <summary>Both parties publish with ffmpeg and play the peer (A over RTMP, B over HTTP-FLV).</summary>
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

/// <summary>The four ffmpeg peers of a call.</summary>
internal sealed record CallPeers(RunningProcess PushA, RunningProcess PushB, RunningProcess PlayA, RunningProcess PlayB)
    : IAsyncDisposable
{
    public async Task<bool> AllExitAsync(TimeSpan timeout)
    {
        var results = await Task.WhenAll(new[] { PushA, PushB, PlayA, PlayB }.Select(p => p.WaitForExitAsync(timeout)));
        return results.All(exited => exited);
    }

    public ValueTask DisposeAsync()
    {
        foreach (var process in new[] { PushA, PushB, PlayA, PlayB })
            process.Dispose();
        return ValueTask.CompletedTask;
    }
}

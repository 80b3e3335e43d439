using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests;

/// <summary>
/// The coordinator, end to end: parties with user tokens and WebSockets, ffmpeg as both pushers and players,
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
        await using var call = await AcceptedCall.RingAndAcceptAsync(Service, "gina", "hank");
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
        await using var call = await AcceptedCall.RingAndAcceptAsync(Service, "ivan", "judy", publisherLostGraceSeconds: 2);
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

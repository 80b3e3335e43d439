using System.Net.Http.Json;
using System.Text.Json;
using CallContracts.Calls;
using CallContracts.Streams;
using CallMedia.Hosting;
using CallService.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace CallService.Tests.Integration;

/// <summary>
/// The call flows with real media: the embedded relay on a free loopback port, ffmpeg publishers and
/// players, the real clock. Skipped until the relay is registered by <c>AddCallMedia</c>.
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class MediaFlowTests : IAsyncLifetime
{
    private ServiceHost _host = null!;
    private string _alice = "", _bob = "";

    public async Task InitializeAsync()
    {
        if (new MediaFactAttribute().Skip is not null) return;
        _host = new ServiceHost(realMedia: true);
        _alice = await _host.TokenFor("alice");
        _bob = await _host.TokenFor("bob");
    }

    public Task DisposeAsync()
    {
        _host?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Rings, accepts, and returns both parties' views from their <c>call.accepted</c> events.</summary>
    private async Task<(string Id, JsonElement A, JsonElement B)> RingAndAccept(RealtimeClient aliceWs, RealtimeClient bobWs, object? extra = null)
    {
        var id = (await _host.CreateCall(extra ?? new { callee = new { userId = "bob" }, ring = true }, _alice)).CallId;
        await bobWs.Next("call.incoming");
        (await _host.Http(_bob).PostAsync($"/v1/calls/{id}/accept", null)).EnsureSuccessStatusCode();
        var a = (await aliceWs.Next("call.accepted")).GetProperty("data").GetProperty("view");
        var b = (await bobWs.Next("call.accepted")).GetProperty("data").GetProperty("view");
        return (id, a, b);
    }

    private static string Url(JsonElement view, string name) => view.GetProperty(name).GetString()!;

    [MediaFact]
    public async Task RealMedia_Connects_ThenPlayerTerminalCodeEndsTheCallForBoth()
    {
        await using var aliceWs = await _host.Connect(_alice);
        await using var bobWs = await _host.Connect(_bob);
        var (id, a, b) = await RingAndAccept(aliceWs, bobWs);

        using var pushA = Ffmpeg.Publish(Url(a, "pushUrl"));
        using var pushB = Ffmpeg.Publish(Url(b, "pushUrl"));
        using var playA = Ffmpeg.Play(Url(a, "playUrl"));      // A watches B over RTMP
        using var playB = Ffmpeg.Play(Url(b, "playFlvUrl"));   // B watches A over HTTP-FLV

        await aliceWs.Next("call.connected", 20);
        await bobWs.Next("call.connected", 20);

        var report = await _host.Http(_bob).PostAsJsonAsync($"/v1/calls/{id}/events", new { component = "player", code = -2301 });
        Assert.Equal("hangup", (await report.Content.ReadFromJsonAsync<StatusReportResponse>(ServiceHost.Json))!.Action);
        var data = (await aliceWs.Next("call.ended")).GetProperty("data");
        Assert.Equal(("client_terminal_code", "b", -2301),
            (data.GetProperty("reason").GetString(), data.GetProperty("endedBy").GetString(), data.GetProperty("code").GetInt32()));

        // Ending the call revokes the URLs: the publishers are cut off long before their 30 s.
        Assert.True(await pushA.WaitForExitAsync(TimeSpan.FromSeconds(5)), "A's publisher kept running");
        Assert.True(await pushB.WaitForExitAsync(TimeSpan.FromSeconds(5)), "B's publisher kept running");
    }

    [MediaFact]
    public async Task KillingAPublisher_EndsMediaLost_AfterTheGrace()
    {
        await using var aliceWs = await _host.Connect(_alice);
        await using var bobWs = await _host.Connect(_bob);
        var (_, a, b) = await RingAndAccept(aliceWs, bobWs,
            new { callee = new { userId = "bob" }, ring = true, publisherLostGraceSeconds = 2 });

        using var pushA = Ffmpeg.Publish(Url(a, "pushUrl"));
        using var pushB = Ffmpeg.Publish(Url(b, "pushUrl"));
        using var playA = Ffmpeg.Play(Url(a, "playUrl"));
        using var playB = Ffmpeg.Play(Url(b, "playUrl"));
        await bobWs.Next("call.connected", 20);

        var killedAt = DateTimeOffset.UtcNow;
        pushA.Kill();
        var data = (await bobWs.Next("call.ended", 10)).GetProperty("data");
        var after = DateTimeOffset.UtcNow - killedAt;
        Assert.Equal(("media_lost", "a"), (data.GetProperty("reason").GetString(), data.GetProperty("endedBy").GetString()));
        // Not before the grace (2 s, less the moment ffmpeg's socket takes to close). Its "+ 1 s" bound is a timer's,
        // checked on a test clock (CoordinatorTimerTests.PublisherLost_AfterGrace_…); here the 10 s wait above is only a
        // hang guard, as a starved machine delays the relay's view and the frame, not the rule.
        Assert.True(after.TotalSeconds >= 1.5, $"ended {after.TotalSeconds:0.00} s after the kill, before the 2 s grace");
    }

    [MediaFact]
    public async Task Hangup_DisconnectsPublishersWithinASecond_AndRefusesTheUrls()
    {
        var call = await _host.CreateCall(new { caller = new { userId = "carol" }, callee = new { userId = "dave" }, ring = false });
        using var pushA = Ffmpeg.Publish(call.Parties.A.PushUrl!);
        using var pushB = Ffmpeg.Publish(call.Parties.B.PushUrl!);
        var relay = _host.Services.GetRequiredService<IRelayStats>();
        var streams = new[] { StreamNames.For(call.CallId, PartyRole.A), StreamNames.For(call.CallId, PartyRole.B) };
        async Task<bool> Live(string s) => (await relay.GetStreamAsync(s))?.Live == true;
        for (var i = 0; i < 150 && !(await Live(streams[0]) && await Live(streams[1])); i++) // both publishers connected (≤ 15 s)
            await Task.Delay(100);
        Assert.False(pushA.HasExited, pushA.StandardError);
        Assert.False(pushB.HasExited, pushB.StandardError);
        foreach (var s in streams) Assert.True(await Live(s), $"{s} is not live before the hang-up");
        (await _host.Http().PostAsync($"/v1/calls/{call.CallId}/hangup", null)).EnsureSuccessStatusCode();
        // The kick runs before the hang-up is answered (the service's side of "within a second", no clock needed):
        // neither stream has a publisher any more. How fast ffmpeg then notices and exits is ffmpeg's (and this
        // machine's) business, so its wait below is only a hang guard.
        foreach (var s in streams) Assert.False(await Live(s), $"{s} still has its publisher after the hang-up");
        Assert.True(await pushA.WaitForExitAsync(TimeSpan.FromSeconds(10)), "A's publisher kept running");
        Assert.True(await pushB.WaitForExitAsync(TimeSpan.FromSeconds(10)), "B's publisher kept running");

        using var again = Ffmpeg.Publish(call.Parties.A.PushUrl!, seconds: 5);
        Assert.True(await again.WaitForExitAsync(TimeSpan.FromSeconds(5)), "a publish with a revoked URL was not refused");
    }
}

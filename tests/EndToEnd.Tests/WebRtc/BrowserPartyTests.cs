using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using EndToEnd.Tests.Infrastructure;
using PuppeteerSharp;
using TestSupport.Browsers;
using Xunit.Abstractions;

namespace EndToEnd.Tests.WebRtc;

/// <summary>
/// A browser party over WebRTC beside an RTMP party, against the real CallService process: Debian's headless chromium
/// (fake camera and microphone) opens the service's <c>/call</c> page as party b (WHIP publish + WHEP play through
/// the GStreamer gateway); ffmpeg publishes party a over RTMP and plays party b's stream over RTMP and HTTP-FLV.
/// </summary>
[Collection(WebRtcCollection.Name)]
public sealed class BrowserPartyTests(WebRtcServiceFixture fixture, ITestOutputHelper output)
{

    private ServiceProcess Service => fixture.Service;

    [Fact]
    public async Task BrowserParty_ConnectsBothWaysWithAnRtmpParty_AndItsHangUpEndsTheCall()
    {
        var (call, callId, token) = await CreateCallAsync("wrtc-a1", "wrtc-b1");
        using var publisherA = Ffmpeg.Publish(call.Url("a", "pushUrl"), 90);
        using var playerA = Ffmpeg.Play(call.Url("a", "playUrl"), 90); // a's player of b's stream: the call can connect
        await using var browser = await LaunchAsync();
        var page = await OpenCallPageAsync(browser, callId, token);

        var connected = await WaitForPageAsync(page, s => s.State == "connected" && s.Frames > 10, "the page to connect and decode");
        var later = await WaitForPageAsync(page, s => s.Frames >= connected.Frames + 25, "a's video to keep decoding");
        output.WriteLine($"page: {connected} then {later}");

        // What the RTMP party receives from the browser: H.264 passed through, Opus transcoded to AAC.
        foreach (var url in new[] { call.Url("a", "playUrl"), call.Url("a", "playFlvUrl") })
        {
            var probe = await Ffmpeg.ProbeAsync(url);
            output.WriteLine($"{(url.StartsWith("rtmp", StringComparison.Ordinal) ? "rtmp" : "http-flv")}: {probe}");
            Assert.True(probe.Find("h264") is { PacketsRead: > 10 }, $"no H.264 from the browser: {probe}");
            Assert.True(probe.Find("aac") is { PacketsRead: > 10 }, $"no AAC from the browser: {probe}");
        }
        var live = await GetCallAsync(callId);
        Assert.Equal("connected", live["state"]!.GetValue<string>());

        await page.ClickAsync("#hangup");
        var ended = await WaitForCallEndAsync(callId);
        Assert.Equal("hangup", ended["endReason"]!.GetValue<string>());
        Assert.Equal("b", ended["endedBy"]!.GetValue<string>());
        Assert.Equal("ended", (await WaitForPageAsync(page, s => s.State == "ended", "the page to end")).State);
        Assert.True(await publisherA.WaitForExitAsync(TimeSpan.FromSeconds(10)), "the relay did not disconnect a's publisher");
    }

    [Fact]
    public async Task BrowserParty_ClosingTheBrowser_EndsTheCallMediaLostAfterTheGrace()
    {
        var (call, callId, token) = await CreateCallAsync("wrtc-a2", "wrtc-b2");
        using var publisherA = Ffmpeg.Publish(call.Url("a", "pushUrl"), 90);
        using var playerA = Ffmpeg.Play(call.Url("a", "playUrl"), 90);
        var browser = await LaunchAsync();
        var page = await OpenCallPageAsync(browser, callId, token);
        await WaitForPageAsync(page, s => s.State == "connected" && s.Frames > 10, "the page to connect and decode");

        await browser.CloseAsync(); // no hang-up, no DELETE: the browser is gone
        await browser.DisposeAsync();
        var ended = await WaitForCallEndAsync(callId);
        Assert.Equal("media_lost", ended["endReason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Whip_WithoutSdpOrWithTheApiKey_IsRefusedWithProblemDetails()
    {
        var (call, callId, token) = await CreateCallAsync("wrtc-a3", "wrtc-b3");
        var whip = call["parties"]!["b"]!["webrtc"]!["whipUrl"]!.GetValue<string>();
        Assert.Equal($"{Service.Http.BaseAddress!.ToString().TrimEnd('/')}/v1/calls/{callId}/webrtc/whip", whip);

        using var json = new HttpRequestMessage(HttpMethod.Post, whip) { Content = new StringContent("{}", null, "application/json") };
        json.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var notSdp = await Service.Http.SendAsync(json);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notSdp.StatusCode);
        Assert.Equal("application/problem+json", notSdp.Content.Headers.ContentType?.MediaType);

        using var garbage = new HttpRequestMessage(HttpMethod.Post, whip) { Content = new StringContent("hello", null, "application/sdp") };
        garbage.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var badOffer = await Service.Http.SendAsync(garbage);
        Assert.Equal(HttpStatusCode.BadRequest, badOffer.StatusCode);
        Assert.Contains("\"body\"", await badOffer.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var withApiKey = await Service.Http.PostAsync(whip, new StringContent("v=0\r\n", null, "application/sdp"));
        Assert.Equal(HttpStatusCode.Forbidden, withApiKey.StatusCode);
    }

    /// <summary>A direct call (both parties' URLs issued at once) and a user token of party b.</summary>
    private async Task<(JsonObject Call, string CallId, string Token)> CreateCallAsync(string caller, string callee)
    {
        var call = await Service.CreateDirectCallAsync(caller, callee);
        var token = await Service.IssueTokenAsync(callee);
        return (call, call["callId"]!.GetValue<string>(), token);
    }

    private async Task<JsonObject> GetCallAsync(string callId) =>
        JsonNode.Parse(await Service.Http.GetStringAsync($"/v1/calls/{callId}"))!.AsObject();

    private async Task<JsonObject> WaitForCallEndAsync(string callId)
    {
        var call = await GetCallAsync(callId);
        for (var i = 0; i < 150 && call["state"]!.GetValue<string>() != "ended"; i++) // at most 30 s
        {
            await Task.Delay(200);
            call = await GetCallAsync(callId);
        }
        Assert.True(call["state"]!.GetValue<string>() == "ended", $"the call did not end: {call.ToJsonString()}");
        return call;
    }

    private static Task<IBrowser> LaunchAsync() => HeadlessChromium.LaunchAsync(HeadlessChromium.FakeMediaDevices);

    private async Task<IPage> OpenCallPageAsync(IBrowser browser, string callId, string token)
    {
        var page = await browser.NewPageAsync();
        page.Console += (_, e) => output.WriteLine($"console: {e.Message.Text}");
        await page.GoToAsync($"{Service.Http.BaseAddress}call?callId={callId}&token={Uri.EscapeDataString(token)}");
        return page;
    }

    /// <summary>What the page shows: <c>#call-state</c>, <c>#frames-decoded</c> and its status line.</summary>
    public sealed record PageSample(string State, int Frames, string Status)
    {
        public override string ToString() => $"state={State} frames={Frames} status='{Status}'";
    }

    private static async Task<PageSample> SampleAsync(IPage page)
    {
        var json = await page.EvaluateFunctionAsync<string>(@"() => JSON.stringify({
            state: document.getElementById('call-state').textContent,
            frames: Number(document.getElementById('frames-decoded').textContent),
            status: document.getElementById('status').textContent })");
        var o = JsonNode.Parse(json)!.AsObject();
        return new PageSample(o["state"]!.GetValue<string>(), o["frames"]!.GetValue<int>(), o["status"]!.GetValue<string>());
    }

    private static async Task<PageSample> WaitForPageAsync(IPage page, Func<PageSample, bool> condition, string what)
    {
        var sample = await SampleAsync(page);
        for (var i = 0; i < 150 && !condition(sample); i++) // at most 30 s
        {
            await Task.Delay(200);
            sample = await SampleAsync(page);
        }
        Assert.True(condition(sample), $"timed out waiting for {what}: {sample}");
        return sample;
    }
}

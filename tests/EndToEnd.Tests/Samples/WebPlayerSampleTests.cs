using System.Net;
using System.Text.Json.Nodes;
using EndToEnd.Tests.Infrastructure;
using PuppeteerSharp;
using TestSupport.Browsers;
using Xunit.Abstractions;

namespace EndToEnd.Tests.Samples;

/// <summary>
/// <c>samples/web-player</c> in Debian's headless chromium (never a downloaded browser) against the real CallService
/// process: it plays a party's HTTP-FLV play URL with the vendored mpegts.js while ffmpeg publishes the peer's stream,
/// and stops once the call's hang-up ends the stream and the relay refuses the URL.
/// </summary>
/// <remarks>
/// The page's files are answered by request interception under the relay's own origin, so the test needs no second
/// web server and does not depend on the relay's CORS headers (the sample's README says a real deployment needs them).
/// </remarks>
[Collection(ServiceCollection.Name)]
public sealed class WebPlayerSampleTests(ServiceFixture fixture, ITestOutputHelper output)
{
    private static readonly string SampleDirectory = Path.Combine(RepoPaths.Root, "samples", "web-player");

    private ServiceProcess Service => fixture.Service;

    [Fact]
    public async Task WebPlayer_PlaysThePeersHttpFlvStream_AndStopsWhenTheHungUpCallsUrlIsRefused()
    {
        var call = await Service.CreateDirectCallAsync("webplayer-a", "webplayer-b");
        using var publisherB = Ffmpeg.Publish(call.Url("b", "pushUrl"), 60);
        var flvUrl = call.Url("a", "playFlvUrl"); // what party A sees: B's stream

        await using var browser = await LaunchAsync();
        await using var page = await OpenSampleAsync(browser, flvUrl);

        var playing = await WaitForAsync(page, s => s.State == "playing" && s.Frames > 25 && s.Time > 1, "the stream to play");
        output.WriteLine($"playing: {playing}");
        Assert.Equal(0, playing.Retries);
        Assert.DoesNotContain(playing.Events, e => e.StartsWith("error", StringComparison.Ordinal));

        var ended = await Service.HangUpAsync(call["callId"]!.GetValue<string>());
        Assert.Equal("ended", ended["state"]!.GetValue<string>());

        // The relay closes the HTTP-FLV response; the page tries again and stops on the 403 the ended call's URL gets.
        var stopped = await WaitForAsync(page, s => s.State == "stopped", "the page to stop after the hang-up");
        output.WriteLine($"after hang-up: {stopped}");
        Assert.Contains("HTTP 403", stopped.Status, StringComparison.Ordinal);
        Assert.Equal(1, stopped.Retries);
        Assert.Equal(0, stopped.Frames); // the player was torn down, not left frozen on the last picture
    }

    [Fact]
    public async Task WebPlayer_WithoutSrc_SaysHowToOpenIt()
    {
        await using var browser = await LaunchAsync();
        await using var page = await OpenSampleAsync(browser, flvUrl: null);

        var sample = await SampleAsync(page);
        Assert.Equal("error", sample.State);
        Assert.Contains("?src=", sample.Status, StringComparison.Ordinal);
    }

    /// <summary>What the page exposes (<c>window.webPlayer</c>) plus the video element's clock and frame count.</summary>
    public sealed record PlayerSample(string State, string Status, int Retries, string[] Events, double Time, int Frames)
    {
        public override string ToString() =>
            $"state={State} status='{Status}' retries={Retries} time={Time:0.00} frames={Frames} events=[{string.Join("; ", Events)}]";
    }

    private static Task<IBrowser> LaunchAsync() => HeadlessChromium.LaunchAsync();

    /// <summary>Opens <c>samples/web-player/index.html</c> under the relay's origin with <c>?src=</c> set (or not).</summary>
    private async Task<IPage> OpenSampleAsync(IBrowser browser, string? flvUrl)
    {
        var origin = new Uri(flvUrl ?? Service.Http.BaseAddress!.ToString()).GetLeftPart(UriPartial.Authority);
        var page = await browser.NewPageAsync();
        page.Console += (_, e) => output.WriteLine($"console: {e.Message.Text}");
        await page.SetRequestInterceptionAsync(true);
        page.Request += async (_, e) =>
        {
            try
            {
                await AnswerAsync(e.Request);
            }
            catch (Exception error) when (error is PuppeteerException or ObjectDisposedException)
            {
                // The page closed while a request (e.g. a reconnect of the player) was pending: nothing to answer.
            }
        };
        var query = flvUrl is null ? "" : "?src=" + Uri.EscapeDataString(flvUrl);
        await page.GoToAsync(origin + "/samples/web-player/index.html" + query);
        return page;
    }

    /// <summary>Answers the page's own files from <c>samples/web-player</c>; lets every other request (HTTP-FLV) through.</summary>
    private static async Task AnswerAsync(IRequest request)
    {
        var path = new Uri(request.Url).AbsolutePath;
        const string prefix = "/samples/web-player/";
        if (!path.StartsWith(prefix, StringComparison.Ordinal))
        {
            await request.ContinueAsync();
            return;
        }
        var file = Path.GetFullPath(Path.Combine(SampleDirectory, path[prefix.Length..]));
        var found = file.StartsWith(SampleDirectory, StringComparison.Ordinal) && File.Exists(file);
        await request.RespondAsync(new ResponseData
        {
            Status = found ? HttpStatusCode.OK : HttpStatusCode.NotFound,
            ContentType = Path.GetExtension(file) == ".html" ? "text/html; charset=utf-8" : "text/javascript; charset=utf-8",
            BodyData = found ? await File.ReadAllBytesAsync(file) : [],
        });
    }

    private static async Task<PlayerSample> SampleAsync(IPage page)
    {
        var json = await page.EvaluateFunctionAsync<string>(@"() => {
            const v = document.getElementById('video');
            const w = window.webPlayer || { state: 'none', events: [], retries: 0 };
            return JSON.stringify({ state: w.state, status: document.getElementById('status').textContent,
              retries: w.retries, events: w.events, time: v.currentTime,
              frames: v.getVideoPlaybackQuality().totalVideoFrames });
        }");
        var o = JsonNode.Parse(json)!.AsObject();
        return new PlayerSample(
            o["state"]!.GetValue<string>(), o["status"]!.GetValue<string>(), o["retries"]!.GetValue<int>(),
            o["events"]!.AsArray().Select(e => e!.GetValue<string>()).ToArray(),
            o["time"]!.GetValue<double>(), o["frames"]!.GetValue<int>());
    }

    private static async Task<PlayerSample> WaitForAsync(IPage page, Func<PlayerSample, bool> condition, string what)
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

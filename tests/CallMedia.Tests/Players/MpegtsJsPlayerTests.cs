using PuppeteerSharp;
using TestSupport.Browsers;
using Xunit.Abstractions;

namespace CallMedia.Tests.Players;

/// <summary>
/// mpegts.js (the usual browser HTTP-FLV player; the web-player sample's vendored copy, linked into <c>Players/mpegts/</c>) with its default settings in
/// Debian's headless chromium (never a downloaded browser) plays the HTTP-FLV URL from another origin, joining mid-stream,
/// and stays within 1 s of live across a publisher reconnect.
/// </summary>
[Collection(nameof(PlayersCollection))]
public sealed class MpegtsJsPlayerTests(ITestOutputHelper output)
{
    /// <summary>What <c>window.sample()</c> of <c>mpegts/player.html</c> returns; times in seconds.</summary>
    public sealed record Sample(double Time, double End, int Ranges, int Frames, string Events)
    {
        public double Latency => End - Time;
    }

    [Fact]
    public async Task ViewerStayingAcrossPublisherReconnect_StaysWithinOneSecondOfLive()
    {
        PlayerProcess.Require(HeadlessChromium.ExecutablePath);
        await using var stage = await LiveStage.StartAsync();
        await stage.PublishAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));

        await using var browser = await HeadlessChromium.LaunchAsync();
        await using var page = await browser.NewPageAsync();
        page.Console += (_, e) => output.WriteLine($"console: {e.Message.Text}");
        var dir = Path.Combine(AppContext.BaseDirectory, "Players", "mpegts");
        await page.SetContentAsync(await File.ReadAllTextAsync(Path.Combine(dir, "player.html")));
        await page.AddScriptTagAsync(new AddTagOptions { Content = await File.ReadAllTextAsync(Path.Combine(dir, "mpegts.js")) });
        Assert.True(await page.EvaluateFunctionAsync<bool>("url => startPlayer(url)", stage.FlvUrl), "chromium cannot play H.264/AAC through MSE");

        var playing = await WaitForAsync(page, s => s.Time > 1.5, "playback to start");
        output.WriteLine($"playing: {playing}");

        var playingAt = System.Diagnostics.Stopwatch.GetTimestamp();
        var outage = TimeSpan.FromSeconds(1.5);
        await stage.ReconnectPublisherAsync(outage);
        var samples = new List<Sample>();
        for (var i = 0; i < 32; i++) // 8 s after the new publisher is live
        {
            await Task.Delay(250);
            samples.Add(await SampleAsync(page));
        }
        foreach (var s in samples.Where((_, i) => i % 4 == 3))
            output.WriteLine($"t={s.Time:0.00} end={s.End:0.00} latency={s.Latency:0.00} ranges={s.Ranges} frames={s.Frames}");

        var last = samples[^1];
        Assert.True(last.Events.Length == 0, $"player errors: {last.Events}");
        Assert.True(last.Time > playing.Time + 5, $"playback did not go on after the reconnect: {playing.Time:0.00} s then {last.Time:0.00} s");
        // No hole in the timeline: the newest media the player holds advanced by the wall-clock time minus the outage
        // (timestamps continue one frame after the old publisher's last), not by the whole wall-clock time as a
        // timeline that skips the outage would. Independent of the renderer: this is what the relay sent.
        var wall = System.Diagnostics.Stopwatch.GetElapsedTime(playingAt).TotalSeconds;
        var mediaAdvance = last.End - playing.End;
        Assert.True(mediaAdvance <= wall - outage.TotalSeconds + 0.75,
            $"the timeline skipped the outage: the player's media advanced {mediaAdvance:0.00} s in {wall:0.00} s with a {outage.TotalSeconds} s outage");
        // And the picture stays near live once the new publisher's media plays (the last 4 s; median of the samples).
        // Measured 0.32–0.54 s on a quiet machine; with its default settings mpegts.js never catches up after a stall,
        // so a renderer or test process starved for a moment on a busy machine keeps a lag of its own (1.6 s seen once
        // in a full run): the bound here is 2 s, under the 2.2–5.2 s that the timeline hole cost before.
        var settled = samples.Skip(16).Select(s => s.Latency).Order().ToList();
        output.WriteLine($"media advanced {mediaAdvance:0.00} s in {wall:0.00} s; behind live, median {settled[settled.Count / 2]:0.00} s");
        Assert.True(settled[settled.Count / 2] <= 2.0, "behind live after the reconnect: " + string.Join(' ', settled.Select(l => l.ToString("0.00"))));
    }

    private static Task<Sample> SampleAsync(IPage page) => page.EvaluateFunctionAsync<Sample>("() => sample()");

    private static async Task<Sample> WaitForAsync(IPage page, Func<Sample, bool> condition, string what)
    {
        Sample sample = await SampleAsync(page);
        for (var i = 0; i < 100 && !condition(sample); i++) // at most 20 s
        {
            await Task.Delay(200);
            sample = await SampleAsync(page);
        }
        Assert.True(condition(sample), $"timed out waiting for {what}: {sample}");
        return sample;
    }
}

using System.Net;
using System.Text.Json.Nodes;
using EndToEnd.Tests.Infrastructure;
using PuppeteerSharp;
using TestSupport.Browsers;
using Xunit.Abstractions;

namespace EndToEnd.Tests.OperatorConsole;

/// <summary>
/// The operator console (<c>/console</c>, docs/console.md) in Debian's headless chromium against the real CallService
/// process: it lists a live call, plays both legs (published by ffmpeg) with the served mpegts.js, its hang-up button ends
/// the call (<c>hangup</c> by <c>system</c>), and its records search finds ended calls page by page.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class OperatorConsoleTests(ServiceFixture fixture, ITestOutputHelper output)
{
    private ServiceProcess Service => fixture.Service;

    [Fact]
    public async Task Console_ListsALiveCall_PlaysBothLegs_AndItsHangupButtonEndsTheCall()
    {
        var call = await Service.CreateDirectCallAsync("console-alice", "console-bob");
        var callId = call["callId"]!.GetValue<string>();
        using var publisherA = Ffmpeg.Publish(call.Url("a", "pushUrl"), 90);
        using var publisherB = PublishBars(call.Url("b", "pushUrl"), 90); // a different picture, so the screenshot tells the legs apart

        await using var browser = await HeadlessChromium.LaunchAsync();
        var (console, response) = await ConsolePage.OpenAsync(browser, Service, output);
        await using var page = console.Page;
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Contains("script-src 'self'", response.Headers["content-security-policy"], StringComparison.Ordinal);
        Assert.EndsWith("/console/", page.Url, StringComparison.Ordinal);

        await console.EnterApiKeyAsync(ServiceProcess.ApiKey);
        var row = $"#calls tr[data-call-id=\"{callId}\"]";
        await console.WaitForAsync(row);
        var rowText = await console.TextAsync(row);
        Assert.Contains("console-alice", rowText, StringComparison.Ordinal);
        Assert.Contains("console-bob", rowText, StringComparison.Ordinal);

        await page.ClickAsync(row + " button[data-action=open]");
        var playing = await console.PollAsync(console.LegsAsync,
            legs => legs.All(l => l.State == "playing" && l.Frames > 10 && l.Time > 1), "both legs playing");
        await Task.Delay(1500);
        var later = await console.LegsAsync();
        output.WriteLine($"1.5 s later: {string.Join("; ", later.Select(l => l.ToString()))}");
        for (var i = 0; i < 2; i++)
        {
            Assert.True(later[i].Frames > playing[i].Frames, $"leg {later[i].Leg} decoded no new frames: {playing[i]} → {later[i]}");
            Assert.True(later[i].Time > playing[i].Time, $"leg {later[i].Leg}'s clock stood still: {playing[i]} → {later[i]}");
        }
        await console.PollAsync(() => console.TextAsync("#leg-a .leg-stats"), t => t.Contains("kbps", StringComparison.Ordinal),
            "leg a's relay statistics");

        // The key lives in this tab's session storage only: never in localStorage, a cookie or the URL.
        Assert.Equal(ServiceProcess.ApiKey, await page.EvaluateFunctionAsync<string>("() => Object.values(sessionStorage).join()"));
        Assert.Equal(0, await page.EvaluateFunctionAsync<int>("() => localStorage.length"));
        Assert.Equal("", await page.EvaluateFunctionAsync<string>("() => document.cookie"));
        Assert.DoesNotContain(ServiceProcess.ApiKey, page.Url, StringComparison.Ordinal);
        Assert.Empty(await console.ViolationsAsync());

        var screenshot = Path.Combine(AppContext.BaseDirectory, "TestResults", "artifacts", "console.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await page.ScreenshotAsync(screenshot, new ScreenshotOptions { FullPage = true });
        var png = await File.ReadAllBytesAsync(screenshot);
        output.WriteLine($"screenshot: {screenshot} ({png.Length} bytes)");
        Assert.True(png.Length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "the screenshot is not a PNG");

        // Sound: a leg is muted until the operator asks for it.
        await page.ClickAsync("#leg-a .leg-sound");
        Assert.False(await page.EvaluateFunctionAsync<bool>("() => document.querySelector('video[data-leg=\"a\"]').muted"));
        Assert.Equal("true", await page.EvaluateFunctionAsync<string>("() => document.querySelector('#leg-a .leg-sound').getAttribute('aria-pressed')"));
        Assert.True(await page.EvaluateFunctionAsync<bool>("() => document.querySelector('video[data-leg=\"b\"]').muted"));

        await page.ClickAsync("#hangup");
        var ended = await console.PollAsync(() => GetCallAsync(callId), c => c["state"]!.GetValue<string>() == "ended",
            "the call to end", seconds: 10);
        Assert.Equal("hangup", ended["endReason"]!.GetValue<string>());
        Assert.Equal("system", ended["endedBy"]!.GetValue<string>());

        await console.PollAsync(() => console.ExistsAsync(row), present => !present, "the call to leave the live list", seconds: 10);
        Assert.Equal("ended", await page.EvaluateFunctionAsync<string>("() => document.getElementById('detail').dataset.state"));
        Assert.Contains("hangup by system", await console.TextAsync("#detail-summary"), StringComparison.Ordinal);
        Assert.Contains("ended", await console.TextAsync("#status"), StringComparison.Ordinal);
        var stopped = await console.LegsAsync();
        Assert.All(stopped, l => Assert.NotEqual("playing", l.State));
        Assert.Empty(console.Errors);
    }

    [Fact]
    public async Task AKeyTheApiRefuses_IsForgotten_AndTheKeyFormComesBack()
    {
        await using var browser = await HeadlessChromium.LaunchAsync();
        var (console, _) = await ConsolePage.OpenAsync(browser, Service, output);
        await using var page = console.Page;

        await console.EnterApiKeyAsync("not-the-key");
        await console.PollAsync(() => console.TextAsync("#status"), t => t.Contains("refused (401)", StringComparison.Ordinal), "the refusal");
        Assert.False(await page.EvaluateFunctionAsync<bool>("() => document.getElementById('key-section').hidden"));
        Assert.True(await page.EvaluateFunctionAsync<bool>("() => document.getElementById('console').hidden"));
        Assert.Equal(0, await page.EvaluateFunctionAsync<int>("() => sessionStorage.length"));
        Assert.Equal("", await page.EvaluateFunctionAsync<string>("() => document.getElementById('api-key').value"));
        await Task.Delay(2500); // longer than the live list's refresh: it stopped, nothing replaces the message
        Assert.Contains("refused (401)", await console.TextAsync("#status"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecordsSearch_ShowsEndedCallsOfAUser_PageByPage()
    {
        var first = await CreateAndHangUpAsync("console-records-a", "console-records-b");
        var second = await CreateAndHangUpAsync("console-records-a", "console-records-c");

        await using var browser = await HeadlessChromium.LaunchAsync();
        var (console, _) = await ConsolePage.OpenAsync(browser, Service, output);
        await using var page = console.Page;
        await console.EnterApiKeyAsync(ServiceProcess.ApiKey);
        await console.WaitForAsync("#records-form");

        // From an hour ago to an hour ahead (the operator's local time), one record per page, newest first.
        await page.EvaluateFunctionAsync(@"() => {
            const local = d => new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 19);
            document.getElementById('records-from').value = local(new Date(Date.now() - 3600000));
            document.getElementById('records-to').value = local(new Date(Date.now() + 3600000));
            document.getElementById('records-limit').value = '1';
        }");
        await page.TypeAsync("#records-user", "console-records-a");
        await page.ClickAsync("#records-form button[type=submit]");

        var newest = $"#records-table tr[data-call-id=\"{second}\"]";
        await console.WaitForAsync(newest);
        Assert.Equal("hangup", await console.TextAsync(newest + " td[data-field=endReason]"));
        Assert.Equal("system", await console.TextAsync(newest + " td[data-field=endedBy]"));
        Assert.Contains("console-records-c", await console.TextAsync(newest), StringComparison.Ordinal);
        Assert.False(await console.ExistsAsync($"#records-table tr[data-call-id=\"{first}\"]"));

        await page.ClickAsync("#records-next");
        var older = $"#records-table tr[data-call-id=\"{first}\"]";
        await console.WaitForAsync(older);
        Assert.Equal("ended", await console.TextAsync(older + " td[data-field=state]"));
        Assert.Contains("console-records-b", await console.TextAsync(older), StringComparison.Ordinal);

        // Details of an ended call: its summary says how it ended; no hang-up button.
        await page.ClickAsync(older + " button");
        await console.PollAsync(() => console.TextAsync("#detail-summary"), t => t.Contains("hangup by system", StringComparison.Ordinal),
            "the record's details");
        Assert.True(await page.EvaluateFunctionAsync<bool>("() => document.getElementById('hangup').hidden"));
        // Nothing was recorded (or this build has no evidence endpoints): both sections stay hidden.
        Assert.True(await page.EvaluateFunctionAsync<bool>("() => document.getElementById('recordings').hidden"));
        Assert.True(await page.EvaluateFunctionAsync<bool>("() => document.getElementById('snapshots').hidden"));
        Assert.Empty(await console.ViolationsAsync());
        Assert.Empty(console.Errors);
    }

    [Fact]
    public async Task ConsoleFiles_AreServedWithTheirTypesAndAStrictPolicy_AndMpegtsIsTheSamplesCopy()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = Service.Http.BaseAddress };

        using (var redirect = await http.GetAsync("/console"))
        {
            Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
            Assert.Equal("/console/", redirect.Headers.Location!.OriginalString);
        }
        foreach (var (path, type) in new[]
                 {
                     ("/console/", "text/html"), ("/console/app.js", "text/javascript"), ("/console/console.css", "text/css"),
                     ("/console/mpegts.js", "text/javascript"),
                 })
        {
            using var response = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(type, response.Content.Headers.ContentType!.MediaType);
            var policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
            Assert.Contains("script-src 'self';", policy, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe", policy, StringComparison.Ordinal);
            Assert.Contains($"connect-src 'self' http://127.0.0.1:{Service.HttpPort}", policy, StringComparison.Ordinal);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        }

        var served = await http.GetByteArrayAsync("/console/mpegts.js");
        var vendored = await File.ReadAllBytesAsync(Path.Combine(RepoPaths.Root, "samples", "web-player", "vendor", "mpegts.js"));
        Assert.Equal(vendored, served);

        foreach (var path in new[] { "/console/missing.js", "/console/appsettings.json", "/console/..%2Fappsettings.json" })
        {
            using var response = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
    }

    /// <summary>ffmpeg publishing SMPTE colour bars and an 880 Hz tone (H.264 + AAC, like <see cref="Ffmpeg.Publish"/>).</summary>
    private static RunningProcess PublishBars(string url, int seconds) => RunningProcess.Start("ffmpeg",
        "-hide_banner", "-loglevel", "warning", "-nostdin", "-re",
        "-f", "lavfi", "-i", "smptebars=size=320x240:rate=25",
        "-f", "lavfi", "-i", "sine=frequency=880:sample_rate=44100",
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "64k", "-t", seconds.ToString(), "-f", "flv", url);

    private async Task<JsonObject> GetCallAsync(string callId)
    {
        using var response = await Service.Http.GetAsync($"/v1/calls/{callId}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"get call: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    private async Task<string> CreateAndHangUpAsync(string caller, string callee)
    {
        var call = await Service.CreateDirectCallAsync(caller, callee);
        var callId = call["callId"]!.GetValue<string>();
        var ended = await Service.HangUpAsync(callId);
        Assert.Equal("ended", ended["state"]!.GetValue<string>());
        return callId;
    }
}

using System.Net;
using System.Text.Json.Nodes;
using EndToEnd.Tests.Infrastructure;
using PuppeteerSharp;
using TestSupport.Browsers;
using Xunit.Abstractions;

namespace EndToEnd.Tests.OperatorConsole;

/// <summary>
/// The console's evidence sections against the shapes docs/api.md gives <c>GET /v1/calls/{id}/recordings</c>,
/// <c>GET /v1/calls/{id}/snapshots</c> and <c>POST /v1/calls/{id}/snapshots</c>. The answers are supplied by request
/// interception (so the test pins the console to the documented shapes whatever the service records), with hostile text
/// in them: it must show as text.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class ConsoleEvidenceTests(ServiceFixture fixture, ITestOutputHelper output)
{
    private const string Hostile = "<img src=x onerror=\"window.pwned=1\">";

    private ServiceProcess Service => fixture.Service;

    [Fact]
    public async Task Evidence_InTheDocumentedShapes_IsListedAsText_AndUnsafeLinksAreDropped()
    {
        var call = await Service.CreateDirectCallAsync("console-evidence-a", "console-evidence-b");
        var callId = call["callId"]!.GetValue<string>();
        await Service.HangUpAsync(callId);
        var origin = $"http://127.0.0.1:{Service.HttpPort}";

        await using var browser = await HeadlessChromium.LaunchAsync();
        var (console, _) = await ConsolePage.OpenAsync(browser, Service, output);
        await using var page = console.Page;
        await page.SetRequestInterceptionAsync(true);
        page.Request += async (_, e) =>
        {
            try
            {
                var path = new Uri(e.Request.Url).AbsolutePath;
                if (path == $"/v1/calls/{callId}/recordings") await RespondAsync(e.Request, Recordings(origin));
                else if (path == $"/v1/calls/{callId}/snapshots") await RespondAsync(e.Request, Snapshots(origin));
                else await e.Request.ContinueAsync();
            }
            catch (PuppeteerException)
            {
                // the page went away while a request was pending
            }
        };
        await console.EnterApiKeyAsync(ServiceProcess.ApiKey);
        await page.TypeAsync("#records-user", "console-evidence-a");
        await page.ClickAsync("#records-form button[type=submit]");
        var record = $"#records-table tr[data-call-id=\"{callId}\"]";
        await console.WaitForAsync(record);
        await page.ClickAsync(record + " button");

        await console.WaitForAsync("#recordings:not([hidden]) tr[data-recording-id]");
        await console.WaitForAsync("#snapshots:not([hidden]) li[data-snapshot-id]");
        Assert.Equal("Recording: ready", await console.TextAsync("#recordings .evidence-state"));
        Assert.Equal(2, await page.EvaluateFunctionAsync<int>("() => document.querySelectorAll('#recordings tr[data-recording-id]').length"));
        var composite = await console.TextAsync("#recordings tr[data-recording-id=\"rec-composite\"]");
        Assert.Contains("composite", composite, StringComparison.Ordinal);
        Assert.Contains("both", composite, StringComparison.Ordinal); // party null: both pictures
        Assert.Contains("0:12", composite, StringComparison.Ordinal);
        Assert.Equal($"{origin}/evidence/rec-leg-a.mp4?sig=abc",
            await page.EvaluateFunctionAsync<string>("() => document.querySelector('#recordings tr[data-recording-id=\"rec-leg-a\"] a').href"));

        // Hostile text is text: no element was made from it and nothing ran; a javascript: link is not a link.
        Assert.Contains(Hostile, await console.TextAsync("#recordings tr[data-recording-id=\"rec-composite\"]"), StringComparison.Ordinal);
        Assert.Equal(0, await page.EvaluateFunctionAsync<int>("() => document.querySelectorAll('#recordings img').length"));
        Assert.False(await page.EvaluateFunctionAsync<bool>("() => 'pwned' in window"));
        Assert.False(await console.ExistsAsync("#recordings tr[data-recording-id=\"rec-composite\"] a"));

        var snapshot = await console.TextAsync("#snapshots li[data-snapshot-id=\"snap-1\"]");
        Assert.Contains("Party b, 320×240", snapshot, StringComparison.Ordinal);
        Assert.Equal($"{origin}/evidence/snap-1.jpg",
            await page.EvaluateFunctionAsync<string>("() => document.querySelector('#snapshots li[data-snapshot-id=\"snap-1\"] img').src"));
        Assert.Empty(console.Errors);
    }

    [Fact]
    public async Task SnapshotButton_PostsTheLegsParty_AndListsTheNewSnapshot()
    {
        var call = await Service.CreateDirectCallAsync("console-snap-a", "console-snap-b");
        var callId = call["callId"]!.GetValue<string>();
        var origin = $"http://127.0.0.1:{Service.HttpPort}";
        var posted = new List<string>();
        var taken = new JsonArray();

        await using var browser = await HeadlessChromium.LaunchAsync();
        var (console, _) = await ConsolePage.OpenAsync(browser, Service, output);
        await using var page = console.Page;
        await page.SetRequestInterceptionAsync(true);
        page.Request += async (_, e) =>
        {
            try
            {
                if (new Uri(e.Request.Url).AbsolutePath != $"/v1/calls/{callId}/snapshots")
                {
                    await e.Request.ContinueAsync();
                    return;
                }
                if (e.Request.Method != HttpMethod.Post)
                {
                    await RespondAsync(e.Request, new JsonObject { ["snapshots"] = taken.DeepClone() });
                    return;
                }
                lock (posted) posted.Add(e.Request.PostData?.ToString() ?? "");
                var snapshot = new JsonObject
                {
                    ["snapshotId"] = "snap-a", ["party"] = "a", ["takenAt"] = "2026-11-21T14:15:50+00:00", ["width"] = 320,
                    ["height"] = 240, ["sha256"] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                    ["url"] = $"{origin}/evidence/snap-a.jpg",
                };
                taken.Add(snapshot.DeepClone());
                await RespondAsync(e.Request, snapshot, HttpStatusCode.Created);
            }
            catch (PuppeteerException)
            {
                // the page went away while a request was pending
            }
        };
        await console.EnterApiKeyAsync(ServiceProcess.ApiKey);
        var row = $"#calls tr[data-call-id=\"{callId}\"]";
        await console.WaitForAsync(row);
        await page.ClickAsync(row + " button[data-action=open]");

        await console.WaitForAsync("#leg-a .leg-snapshot:not([hidden])"); // the service lists snapshots: it can take them
        Assert.True(await page.EvaluateFunctionAsync<bool>("() => document.getElementById('snapshots').hidden")); // none yet
        await page.ClickAsync("#leg-a .leg-snapshot");

        await console.WaitForAsync("#snapshots:not([hidden]) li[data-snapshot-id=\"snap-a\"]");
        Assert.Equal("{\"party\":\"a\"}", Assert.Single(posted));
        Assert.Contains("Snapshot of leg a taken (320×240)", await console.TextAsync("#status"), StringComparison.Ordinal);

        await Service.HangUpAsync(callId);
        await console.WaitForAsync("#leg-a .leg-snapshot[hidden]"); // an ended call has no picture to take
        Assert.Empty(console.Errors);
    }

    private static JsonObject Recordings(string origin) => new()
    {
        ["state"] = "ready",
        ["files"] = new JsonArray(
            File("rec-leg-a", "leg", "a", "mp4", $"{origin}/evidence/rec-leg-a.mp4?sig=abc"),
            File("rec-composite", "composite", null, Hostile, "javascript:window.pwned=1")),
    };

    private static JsonObject File(string id, string kind, string? party, string format, string url) => new()
    {
        ["recordingId"] = id, ["kind"] = kind, ["party"] = party, ["format"] = format, ["bytes"] = 1_572_864,
        ["durationSeconds"] = 12.04, ["sha256"] = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", ["startedAt"] = "2026-11-21T14:15:45.01+00:00", ["url"] = url,
    };

    private static JsonObject Snapshots(string origin) => new()
    {
        ["snapshots"] = new JsonArray(new JsonObject
        {
            ["snapshotId"] = "snap-1", ["party"] = "b", ["takenAt"] = "2026-11-21T14:15:50+00:00", ["width"] = 320, ["height"] = 240,
            ["sha256"] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", ["url"] = $"{origin}/evidence/snap-1.jpg",
        }),
    };

    private static Task RespondAsync(IRequest request, JsonObject body, HttpStatusCode status = HttpStatusCode.OK) => request.RespondAsync(new ResponseData
    {
        Status = status,
        ContentType = "application/json",
        Body = body.ToJsonString(),
    });
}

using System.Collections.Concurrent;
using EndToEnd.Tests.Infrastructure;
using PuppeteerSharp;
using Xunit.Abstractions;

namespace EndToEnd.Tests.ApiDocs;

/// <summary>
/// <c>GET /docs</c> (Scalar) in Debian's headless chromium against the real CallService process: the reference renders
/// the service's own OpenAPI document, and every request the page makes goes to the service itself; no script, font,
/// telemetry or proxy request leaves for a CDN or a third party.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class ApiReferenceBrowserTests(ServiceFixture fixture, ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task Docs_RendersTheApi_WithoutARequestOutsideTheService()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: run test.sh (it installs Debian's chromium)");
        var origin = fixture.Service.Http.BaseAddress!.GetLeftPart(UriPartial.Authority);
        await using var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        await using var page = await browser.NewPageAsync();
        var requests = new ConcurrentQueue<string>();
        page.Request += (_, e) => requests.Enqueue(e.Request.Url);
        page.Console += (_, e) => output.WriteLine($"console: {e.Message.Text}");

        var response = await page.GoToAsync(origin + "/docs", WaitUntilNavigation.Networkidle0);
        Assert.True(response.Ok, $"/docs answered {response.Status}");

        // Rendered from /openapi/v1.json: the document's title, schemes and first operation appear (bounded, 30 s; Scalar
        // renders later operations as they scroll into view).
        const string firstOperation = "Play a stream over HTTP-FLV";
        var text = "";
        for (var i = 0; i < 150 && !text.Contains(firstOperation, StringComparison.Ordinal); i++)
        {
            await Task.Delay(200);
            text = await page.EvaluateExpressionAsync<string>("document.body.innerText");
        }
        await Task.Delay(1000); // late requests (fonts, telemetry) would come now
        foreach (var url in requests) output.WriteLine(url);
        Assert.Contains(firstOperation, text, StringComparison.Ordinal);
        Assert.Contains("CallService API", text, StringComparison.Ordinal);
        Assert.Contains("ApiKey", text, StringComparison.Ordinal);

        Assert.Contains(requests, u => u.StartsWith(origin + "/openapi/v1.json", StringComparison.Ordinal));
        var outside = requests.Where(u => !u.StartsWith(origin + "/", StringComparison.Ordinal) &&
                                          !u.StartsWith("data:", StringComparison.Ordinal) &&
                                          !u.StartsWith("blob:", StringComparison.Ordinal)).ToList();
        Assert.True(outside.Count == 0, "requests outside the service:\n" + string.Join('\n', outside));
    }
}

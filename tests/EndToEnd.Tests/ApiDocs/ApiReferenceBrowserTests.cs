using System.Collections.Concurrent;
using EndToEnd.Tests.Infrastructure;
using PuppeteerSharp;
using TestSupport.Browsers;
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
    [Fact]
    public async Task Docs_RendersTheApi_WithoutARequestOutsideTheService()
    {
        var origin = fixture.Service.Http.BaseAddress!.GetLeftPart(UriPartial.Authority);
        await using var browser = await HeadlessChromium.LaunchAsync();
        await using var page = await browser.NewPageAsync();
        var requests = new ConcurrentQueue<string>();
        page.Request += (_, e) => requests.Enqueue(e.Request.Url);
        page.Console += (_, e) => output.WriteLine($"console: {e.Message.Text}");

        var response = await page.GoToAsync(origin + "/docs", WaitUntilNavigation.Networkidle0);
        Assert.True(response.Ok, $"/docs answered {response.Status}");

        // Rendered from /openapi/v1.json: the document's title, schemes and operations appear (bounded, 30 s; Scalar
        // renders later operations as they scroll into view, so any operation of the document will do).
        var summaries = await OperationSummariesAsync(origin);
        var text = "";
        for (var i = 0; i < 150 && !summaries.Any(s => text.Contains(s, StringComparison.Ordinal)); i++)
        {
            await Task.Delay(200);
            text = await page.EvaluateExpressionAsync<string>("document.body.innerText");
        }
        await Task.Delay(1000); // late requests (fonts, telemetry) would come now
        foreach (var url in requests) output.WriteLine(url);
        Assert.True(summaries.Any(s => text.Contains(s, StringComparison.Ordinal)), "no operation of the document rendered:\n" + text);
        Assert.Contains("CallService API", text, StringComparison.Ordinal);
        Assert.Contains("ApiKey", text, StringComparison.Ordinal);

        Assert.Contains(requests, u => u.StartsWith(origin + "/openapi/v1.json", StringComparison.Ordinal));
        var outside = requests.Where(u => !u.StartsWith(origin + "/", StringComparison.Ordinal) &&
                                          !u.StartsWith("data:", StringComparison.Ordinal) &&
                                          !u.StartsWith("blob:", StringComparison.Ordinal)).ToList();
        Assert.True(outside.Count == 0, "requests outside the service:\n" + string.Join('\n', outside));
    }

    private static async Task<List<string>> OperationSummariesAsync(string origin)
    {
        using var http = new HttpClient();
        using var document = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync(origin + "/openapi/v1.json"));
        var summaries = document.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject())
            .Where(o => o.Value.ValueKind == System.Text.Json.JsonValueKind.Object && o.Value.TryGetProperty("summary", out _))
            .Select(o => o.Value.GetProperty("summary").GetString()!)
            .ToList();
        Assert.True(summaries.Count > 20, $"only {summaries.Count} operations with a summary");
        return summaries;
    }
}

using System.Text.Json.Nodes;
using EndToEnd.Tests.Infrastructure;
using PuppeteerSharp;
using Xunit.Abstractions;

namespace EndToEnd.Tests.OperatorConsole;

/// <summary>What a leg's <c>&lt;video&gt;</c> shows: the player's state, the clock (s) and decoded frames.</summary>
internal sealed record LegSample(string Leg, string State, double Time, int Frames)
{
    public override string ToString() => $"{Leg}: state={State} time={Time:0.00} frames={Frames}";
}

/// <summary>The operator console (<c>/console</c>) in a chromium page, driven as an operator does.</summary>
internal sealed class ConsolePage(IPage page, ITestOutputHelper output)
{
    public IPage Page => page;

    public List<string> Errors { get; } = [];

    /// <summary>Opens <c>/console</c> on the service (dialogs, i.e. the hang-up confirmation, are accepted).</summary>
    public static async Task<(ConsolePage Console, IResponse Response)> OpenAsync(IBrowser browser, ServiceProcess service, ITestOutputHelper output)
    {
        var page = await browser.NewPageAsync();
        await page.SetViewportAsync(new ViewPortOptions { Width = 1280, Height = 900 });
        var console = new ConsolePage(page, output);
        page.Console += (_, e) => output.WriteLine($"console: {e.Message.Text}");
        page.PageError += (_, e) => { lock (console.Errors) console.Errors.Add(e.Message); };
        page.Dialog += async (_, e) =>
        {
            output.WriteLine($"dialog: {e.Dialog.Message}");
            await e.Dialog.Accept();
        };
        var response = await page.GoToAsync($"http://127.0.0.1:{service.HttpPort}/console");
        return (console, response);
    }

    public async Task EnterApiKeyAsync(string key)
    {
        await page.TypeAsync("#api-key", key);
        await page.ClickAsync("#key-form button[type=submit]");
    }

    public Task<IElementHandle> WaitForAsync(string selector, int timeoutMs = 15000) =>
        page.WaitForSelectorAsync(selector, new WaitForSelectorOptions { Timeout = timeoutMs });

    public Task<string> TextAsync(string selector) =>
        page.EvaluateFunctionAsync<string>("s => document.querySelector(s)?.textContent ?? ''", selector);

    public Task<bool> ExistsAsync(string selector) =>
        page.EvaluateFunctionAsync<bool>("s => document.querySelector(s) !== null", selector);

    public async Task<LegSample[]> LegsAsync()
    {
        var json = await page.EvaluateFunctionAsync<string>(@"() => JSON.stringify(['a', 'b'].map(leg => {
            const v = document.querySelector(`video[data-leg=""${leg}""]`);
            return { leg, state: v.dataset.state || '', time: v.currentTime, frames: v.getVideoPlaybackQuality().totalVideoFrames };
        }))");
        return JsonNode.Parse(json)!.AsArray().Select(n => new LegSample(
            n!["leg"]!.GetValue<string>(), n["state"]!.GetValue<string>(), n["time"]!.GetValue<double>(), n["frames"]!.GetValue<int>())).ToArray();
    }

    /// <summary>Polls <paramref name="sample"/> every 200 ms until <paramref name="done"/> holds, at most <paramref name="seconds"/>.</summary>
    public async Task<T> PollAsync<T>(Func<Task<T>> sample, Func<T, bool> done, string what, int seconds = 30)
    {
        var value = await sample();
        for (var i = 0; i < seconds * 5 && !done(value); i++)
        {
            await Task.Delay(200);
            value = await sample();
        }
        Assert.True(done(value), $"timed out after {seconds} s waiting for {what}: {Describe(value)}");
        output.WriteLine($"{what}: {Describe(value)}");
        return value;
    }

    private static string? Describe<T>(T value) =>
        value is System.Collections.IEnumerable items and not string
            ? string.Join("; ", items.Cast<object>())
            : value?.ToString();

    /// <summary>Content-Security-Policy violations the page recorded (<c>window.operatorConsole.violations</c>).</summary>
    public async Task<string[]> ViolationsAsync() =>
        await page.EvaluateFunctionAsync<string[]>("() => window.operatorConsole.violations");
}

using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CallLoad.Measuring;
using CallLoad.Targets;
using PuppeteerSharp;

namespace CallLoad.WebRtc;

/// <summary>Settings of <c>webrtc-latency</c>.</summary>
public sealed record WebRtcLatencyOptions
{
    /// <summary>Measuring time after warm-up.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Time after the page is connected and before measuring.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>CallService.dll to start (default: this repository's Release build).</summary>
    public string? ServiceDll { get; init; }
}

/// <summary>
/// The latency the WebRTC path adds, side by side with RTMP → RTMP in the same run, and the gateways' CPU: a clock
/// burned into the frames (<see cref="FrameClock"/>) is read back on the other side (same host, same wall clock).
/// <list type="bullet">
/// <item>baseline: this process → ffmpeg x264 → relay (party a's stream) → ffmpeg decoder → this process;</item>
/// <item>RTMP → WebRTC: the same stream → relay → WHEP gateway → chromium (the page of party b);</item>
/// <item>WebRTC → RTMP: chromium's canvas camera (party b) → WHIP gateway → relay → ffmpeg decoder → this process.</item>
/// </list>
/// </summary>
public static class WebRtcLatencyScenario
{
    public static async Task<int> RunAsync(WebRtcLatencyOptions o, CancellationToken ct)
    {
        await using var service = await CallServiceTarget.StartAsync(o.ServiceDll, environment: new Dictionary<string, string>
        {
            ["WebRtc__LocalAddresses__0"] = "127.0.0.1",
        });
        var run = Guid.NewGuid().ToString("N")[..8];
        var call = await CreateCallAsync(service, $"lat-{run}", ct);
        var token = await TokenAsync(service, $"lat-{run}-b", ct);

        // One publisher for both: the baseline reader and the WHEP gateway play the same frames.
        await using var publisher = new ClockPublisher(Url(call, "a", "pushUrl"));
        await using var baselineReader = new ClockReader(Url(call, "b", "playUrl"));
        await using var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium", Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required",
                "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", "--allow-loopback-in-peer-connection",
                "--disable-background-timer-throttling", "--disable-renderer-backgrounding"],
        });
        var page = await browser.NewPageAsync();
        await page.SetBypassCSPAsync(true);
        await page.EvaluateExpressionOnNewDocumentAsync(BrowserFrameClock.Script);
        var callId = call["callId"]!.GetValue<string>();
        await page.GoToAsync($"{service.BaseUrl}call?callId={callId}&token={Uri.EscapeDataString(token)}");
        await using var whipReader = new ClockReader(Url(call, "a", "playUrl")); // party a's player of b's stream

        for (var i = 0; i < 150 && await page.EvaluateExpressionAsync<string>("document.getElementById('call-state').textContent") != "connected"; i++)
            await Task.Delay(200, ct);
        await Task.Delay(o.Warmup, ct);

        var cpuBefore = GatewayCpu(service.ProcessId);
        baselineReader.Recording = whipReader.Recording = true;
        await page.EvaluateExpressionAsync("window.clockLatencies = []; window.clockUnreadable = 0");
        await Task.Delay(o.Duration, ct);
        baselineReader.Recording = whipReader.Recording = false;
        var whep = await page.EvaluateExpressionAsync<double[]>("window.clockLatencies");
        var whepUnreadable = await page.EvaluateExpressionAsync<int>("window.clockUnreadable");
        var cpuAfter = GatewayCpu(service.ProcessId);

        var rtmp = Summary.Of(baselineReader.Latencies);
        Console.WriteLine($"webrtc-latency: {o.Duration.TotalSeconds:0} s measured after {o.Warmup.TotalSeconds:0} s warm-up, 320x240 25 fps, {Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine("| path | frames read | unreadable | p50 ms | p95 ms | added p50 ms | added p95 ms |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        Row("RTMP → RTMP (x264 → relay → ffmpeg)", rtmp, baselineReader.Unreadable, rtmp);
        Row("RTMP → WebRTC (x264 → relay → WHEP gateway → chromium)", Summary.Of(whep), whepUnreadable, rtmp);
        Row("WebRTC → RTMP (chromium → WHIP gateway → relay → ffmpeg)", Summary.Of(whipReader.Latencies), whipReader.Unreadable, rtmp);
        Console.WriteLine();
        foreach (var (direction, ticks) in cpuAfter)
        {
            var used = ticks - cpuBefore.GetValueOrDefault(direction);
            Console.WriteLine($"gateway {direction}: {used / 100.0 / o.Duration.TotalSeconds * 100:0.0} % of one core");
        }
        return 0;
    }

    private static void Row(string path, Summary s, int unreadable, Summary baseline) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {path} | {s.Count} | {unreadable} | {s.P50:0} | {s.P95:0} | {s.P50 - baseline.P50:0} | {s.P95 - baseline.P95:0} |"));

    private static string Url(JsonObject call, string party, string name) => call["parties"]![party]![name]!.GetValue<string>();

    private static async Task<JsonObject> CreateCallAsync(CallServiceTarget service, string users, CancellationToken ct)
    {
        using var response = await service.Http.PostAsJsonAsync("v1/calls", new JsonObject
        {
            ["caller"] = new JsonObject { ["userId"] = users + "-a" },
            ["callee"] = new JsonObject { ["userId"] = users + "-b" },
            ["ring"] = false,
        }, ct);
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!.AsObject();
    }

    private static async Task<string> TokenAsync(CallServiceTarget service, string userId, CancellationToken ct)
    {
        using var response = await service.Http.PostAsJsonAsync("v1/tokens", new JsonObject { ["userId"] = userId }, ct);
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!["token"]!.GetValue<string>();
    }

    /// <summary>CPU ticks (1/100 s, Linux USER_HZ) of the service's gateway children, by <c>--mode</c>.</summary>
    private static Dictionary<string, long> GatewayCpu(int? servicePid)
    {
        var ticks = new Dictionary<string, long>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                if (!cmdline.Any(a => a.EndsWith("webrtc_gateway.py", StringComparison.Ordinal))) continue;
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (servicePid is { } pid && int.Parse(fields[1], CultureInfo.InvariantCulture) != pid) continue;
                var mode = cmdline[Array.IndexOf(cmdline, "--mode") + 1];
                ticks[mode] = ticks.GetValueOrDefault(mode) + long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
            }
        }
        return ticks;
    }
}

using CallLoad.Ceiling;
using CallLoad.Measuring;
using CallLoad.Reporting;
using CallLoad.Scenarios;
using CallLoad.Targets;
using RtmpTestClient.Servers;

namespace CallLoad.Tests;

/// <summary>A fact skipped with the reason when nginx-rtmp is missing (CI installs it through test.sh).</summary>
public sealed class NginxFactAttribute : FactAttribute
{
    /// <summary>Sets Skip when nginx-rtmp is missing.</summary>
    public NginxFactAttribute()
    {
        if (!NginxRtmpServer.IsInstalled)
            Skip = "nginx with libnginx-mod-rtmp is not installed: apt-get install nginx libnginx-mod-rtmp";
    }
}

public sealed class ScenarioTests
{
    [NginxFact]
    public async Task RelayLatency_TwoCallsOnNginx_MatchesEveryMessageWithSmallLatency()
    {
        await using var target = await NginxTarget.StartAsync(Path.Combine(AppContext.BaseDirectory, "nginx", "nginx-rtmp.conf"));
        var result = await CallLoadRunner.RelayLatencyAsync(target, calls: 2, TimeSpan.FromSeconds(2));

        Assert.Empty(result.Errors);
        Assert.True(result.Audio.Count > 100, $"audio matched: {result.Audio.Count}");
        Assert.True(result.Video.Count > 50, $"video matched: {result.Video.Count}");
        Assert.Equal(0, result.Lost);
        Assert.Equal(0, result.Unmatched);
        Assert.InRange(result.All.P50, 0, 50); // loopback; generous for a busy CI machine
        Assert.True(result.CpuSeconds >= 0 && result.PeakRssMiB > 0);
    }

    /// <summary>The suite's smoke run of the tool against our own service: relay-latency --calls 2.</summary>
    [Fact]
    public async Task RelayLatency_TwoCallsOnCallService_MatchesEveryMessageWithSmallLatency()
    {
        await using var target = await CallServiceTarget.StartAsync();
        var result = await CallLoadRunner.RelayLatencyAsync(target, calls: 2, TimeSpan.FromSeconds(3));

        Assert.Empty(result.Errors);
        Assert.True(result.Audio.Count > 100, $"audio matched: {result.Audio.Count}");
        Assert.True(result.Video.Count > 50, $"video matched: {result.Video.Count}");
        Assert.Equal(0, result.Lost);
        Assert.Equal(0, result.Unmatched);
        Assert.Equal(0, result.ViewersClosed);
        Assert.InRange(result.All.P50, 0, 50); // loopback; generous for a busy CI machine
        Assert.True(result.CpuSeconds > 0 && result.PeakRssMiB > 0, "server process measured from /proc");
    }

    [Fact]
    public async Task Signaling_AgainstTheCeilingServer_CompletesLifecyclesWithEvents()
    {
        var port = ProcessTools.FreeTcpPort();
        using var stop = new CancellationTokenSource();
        var server = CeilingServer.RunAsync(port, stop.Token);
        await ProcessTools.WaitForPortAsync(port, TimeSpan.FromSeconds(10));
        var target = new TestSignalingTarget(new Uri($"http://127.0.0.1:{port}/"));

        var result = await SignalingScenario.RunAsync(target, new SignalingOptions { Rate = 20, Duration = TimeSpan.FromSeconds(1) },
            new RunStatus(), CancellationToken.None);
        stop.Cancel();
        await server;

        Assert.Empty(result.Errors);
        Assert.Equal(0, result.Failed);
        Assert.InRange(result.Completed, 5, 25); // the rate itself is not the point here (shared CI cores)
        Assert.Equal(3 * result.Completed, result.Events.Count); // incoming, accepted, ended
        Assert.Equal(4 * result.Completed, result.Requests["status report"].Count);
        Assert.Equal(2 * result.Completed, result.Requests["token"].Count); // warm-up lifecycles are not counted
    }

    [Fact]
    public async Task Signaling_AgainstTheFrameworkCeiling_CompletesLifecycles_AndItsStackAuthenticatesAuthorizesAndLimits()
    {
        var port = ProcessTools.FreeTcpPort();
        using var stop = new CancellationTokenSource();
        var server = CeilingServer.RunAsync(port, stop.Token, CeilingStack.Framework);
        await ProcessTools.WaitForPortAsync(port, TimeSpan.FromSeconds(10));
        var baseUrl = new Uri($"http://127.0.0.1:{port}/");
        var result = await SignalingScenario.RunAsync(new TestSignalingTarget(baseUrl),
            new SignalingOptions { Rate = 20, Duration = TimeSpan.FromSeconds(1) }, new RunStatus(), CancellationToken.None);

        using var http = new HttpClient { BaseAddress = baseUrl };
        async Task<int> PostAsync(string path, string? bearer, string body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
            if (bearer is not null) request.Headers.Authorization = new("Bearer", bearer);
            using var response = await http.SendAsync(request);
            return (int)response.StatusCode;
        }
        var anonymous = await PostAsync("v1/calls", null, "{}");
        var userOnTokens = await PostAsync("v1/tokens", "tok-u1", """{"userId":"u1"}""");
        // One user's reports at once: a burst of 50, then 20 per second (CallService's RateLimits:StatusReports:PerUser).
        var sending = System.Diagnostics.Stopwatch.StartNew();
        var reports = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ =>
            PostAsync("v1/calls/x/events", "tok-limited", """{"component":"pusher","code":1002}""")));
        var refilled = (int)Math.Ceiling(20 * sending.Elapsed.TotalSeconds) + 1;
        stop.Cancel();
        await server;

        Assert.Empty(result.Errors);
        Assert.Equal(0, result.Failed);
        Assert.InRange(result.Completed, 5, 25);
        Assert.Equal(3 * result.Completed, result.Events.Count);
        Assert.Equal(401, anonymous);
        Assert.Equal(403, userOnTokens);
        Assert.All(reports, r => Assert.True(r is 202 or 429, $"status {r}"));
        var accepted = reports.Count(r => r == 202);
        Assert.True(accepted >= 50 && accepted <= 50 + refilled, $"accepted {accepted} of 200 (burst 50, {refilled} refilled at most)");
    }

    [Fact]
    public async Task Signaling_WithAPartyPool_ReusesSocketsAcrossCalls()
    {
        var port = ProcessTools.FreeTcpPort();
        using var stop = new CancellationTokenSource();
        var server = CeilingServer.RunAsync(port, stop.Token);
        await ProcessTools.WaitForPortAsync(port, TimeSpan.FromSeconds(10));
        var target = new TestSignalingTarget(new Uri($"http://127.0.0.1:{port}/"));

        var result = await SignalingScenario.RunAsync(target,
            new SignalingOptions { Rate = 30, Duration = TimeSpan.FromSeconds(1), PartyPool = 4, WarmupLifecycles = 2 },
            new RunStatus(), CancellationToken.None);
        stop.Cancel();
        await server;

        Assert.Empty(result.Errors);
        Assert.True(result.Completed >= 5, $"completed {result.Completed}");
        Assert.Equal(3 * result.Completed, result.Events.Count);
        // Tokens: 2 per pooled pair, none per measured lifecycle (warm-up is not counted).
        Assert.Equal(2 * 4, result.Requests["token"].Count);
    }

    [Fact]
    public void MarkdownReport_RendersTargetsAndRatios()
    {
        var run = new BenchmarkRun
        {
            Machine = new MachineInfo("cpu", 2, 4, "linux", ".NET 10", "nginx/1.22.1"),
            Command = "dotnet run --project loadtests/CallLoad -c Release -- all",
            Media = "test media",
            RelayLatency =
            [
                new RelayLatencyResult { Target = "callservice", Calls = 50, All = new(10, 1, 1, 2, 4, 5), CpuSecondsPerMbit = 0.001 },
                new RelayLatencyResult { Target = "nginx-rtmp", Calls = 50, All = new(10, 1, 1, 2, 8, 9), CpuSecondsPerMbit = 0.002 },
            ],
        };
        var md = MarkdownReport.Render(run, "benchmarks.json");
        Assert.Contains("| relay latency p99 ≤ 5 ms at 50 calls and ≤ nginx | 4 ms | 8 ms | 0.50 | pass |", md);
        Assert.Contains("| CPU per relayed Mbit ≤ nginx | 0.001 CPU s/Mbit | 0.002 CPU s/Mbit | 0.50 | pass |", md);
        Assert.Contains("dotnet run --project loadtests/CallLoad -c Release -- all", md);
    }

    [Fact]
    public void MarkdownReport_SlowViewerTarget_IsOnTheAudio_NotOnVideoWaitingForKeyFrames()
    {
        ViewerDelivery Capped(double allMax, double audioMax) => new()
        {
            AudioDelivered = 1, Latency = new(100, 150, 150, 300, 370, allMax), AudioLatency = new(90, 140, 150, 290, 330, audioMax),
        };
        var run = new BenchmarkRun
        {
            Machine = new MachineInfo("cpu", 2, 4, "linux", ".NET 10", "nginx/1.22.1"),
            Command = "all",
            Media = "test media",
            SlowViewer =
            [
                new SlowViewerResult { Target = "callservice", Capped = Capped(allMax: 2445.6, audioMax: 391.7) },
                new SlowViewerResult { Target = "nginx-rtmp", Capped = Capped(allMax: 16521.8, audioMax: 16521.8) },
            ],
        };

        var md = MarkdownReport.Render(run, "benchmarks.json");

        Assert.Contains("| slow viewer: every audio message ≤ 500 ms late (most late) | 391.7 ms | 16521.8 ms | 0.02 | pass |", md);
    }

    [Fact]
    public void MarkdownReport_SlowHttpFlvViewer_HasItsRowsForOursAndNoneForNginx()
    {
        ViewerDelivery Capped(double audioDelivered, double audioP99) => new()
        {
            AudioDelivered = audioDelivered, AudioLatency = new(90, 140, 150, 290, audioP99, 620),
            OverTime = [new LatencyBucket(0, 50, 100, 210.5)],
        };
        var run = new BenchmarkRun
        {
            Machine = new MachineInfo("cpu", 2, 4, "linux", ".NET 10", "nginx/1.22.1"),
            Command = "all",
            Media = "test media",
            SlowViewer =
            [
                new SlowViewerResult { Target = "callservice", Capped = Capped(1, 200), CappedFlv = Capped(0.995, 431.5) },
                new SlowViewerResult { Target = "nginx-rtmp", Capped = Capped(0.25, 16000) },
            ],
        };

        var md = MarkdownReport.Render(run, "benchmarks.json");

        Assert.Contains("| slow HTTP-FLV viewer: audio delivered ≥ 99 % | 99.5 % | – % | – | pass |", md);
        Assert.Contains("| slow HTTP-FLV viewer: audio latency p99 ≤ 500 ms | 431.5 ms | – ms | – | pass |", md);
        Assert.Contains("| callservice | capped HTTP-FLV | 99.5 % |", md);
        Assert.DoesNotContain("| nginx-rtmp | capped HTTP-FLV |", md);
        Assert.Contains("- callservice, capped HTTP-FLV: 210.5", md);
    }

    /// <summary>
    /// The slow-viewer scenario against our own service (the relay in it): the capped HTTP-FLV viewer beside the capped
    /// RTMP one. Behaviour only (audio kept, video dropped first and resumed on key frames, nothing lost by the normal
    /// viewer); the bounds' figures are the benchmark's.
    /// </summary>
    [Fact]
    public async Task SlowViewer_OnCallService_ReportsACappedHttpFlvViewerThatKeepsTheAudio()
    {
        await using var target = await CallServiceTarget.StartAsync();
        var file = await CallLoadRunner.LoadMediaAsync();

        var result = await SlowViewerScenario.RunAsync(target, file,
            new SlowViewerOptions { Duration = TimeSpan.FromSeconds(10), Drain = TimeSpan.FromSeconds(2) }, new RunStatus(), CancellationToken.None);

        Assert.Empty(result.Errors);
        var flv = Assert.IsType<ViewerDelivery>(result.CappedFlv);
        Assert.False(flv.Disconnected);
        Assert.True(flv.AudioDelivered >= 0.95, $"capped HTTP-FLV audio {flv.AudioDelivered:P2}");
        Assert.True(flv.VideoDelivered < flv.AudioDelivered, $"video {flv.VideoDelivered:P2} is what makes room");
        Assert.Equal(0, flv.ResumedOnNonKeyframe);
        Assert.True(flv.AudioLatency.Count > 100, $"audio matched: {flv.AudioLatency.Count}");
        Assert.Equal(1, result.Normal.AudioDelivered);
        Assert.Equal(1, result.Normal.VideoDelivered);
    }

    private sealed record TestSignalingTarget(Uri BaseUrl) : ISignalingTarget
    {
        public string Name => "ceiling";
        public string ApiKey => CeilingServer.ApiKey;
        public int? ProcessId => Environment.ProcessId;
    }
}

using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests;

/// <summary>
/// The relay's metrics at CallService's <c>/metrics</c> in both relay modes: in-process (the relay's own instruments)
/// and <c>Media:Mode=process</c> (the relay process's instruments sent over the control channel and mirrored), with the
/// same series names and values that follow real ffmpeg publishers, an RTMP viewer and a recording; each series once.
/// </summary>
public sealed class RelayProcessMetricsTests
{
    /// <summary>Every relay series of docs/metrics.md (meters CallService.Media and CallService.Recording).</summary>
    private static readonly string[] RelaySeries =
    [
        "callservice_media_publishers", "callservice_media_viewers", "callservice_media_bytes_in", "callservice_media_bytes_out",
        "callservice_media_drops", "callservice_media_viewer_queue_delay", "callservice_recording_active",
        "callservice_recording_bytes_written",
    ];

    [Theory]
    [InlineData("process")]
    [InlineData("inprocess")]
    public async Task Metrics_ShowTheRelaysValues_OnceEach(string mode)
    {
        await using var service = await ServiceProcess.StartAsync(settings: new Dictionary<string, string> { ["Media:Mode"] = mode });
        Assert.Equal(mode == "process", RelayChild.Of(service.ProcessId) is not null);
        var call = await service.CreateCallAsync("rm-a", "rm-b", "on");
        using var pushA = EvidenceTools.Publish(call.Url("a", "pushUrl"), "testsrc=size=320x240:rate=25", 440, 60);
        using var pushB = EvidenceTools.Publish(call.Url("b", "pushUrl"), "smptebars=size=320x240:rate=25", 880, 60);
        using var viewer = Ffmpeg.Play(call.Url("a", "playUrl"), 60);

        var metrics = "";
        var flowing = await RelayChild.EventuallyAsync(async () =>
        {
            metrics = await service.MetricsAsync();
            return RelayChild.Value(metrics, "callservice_media_publishers") == 2
                   && RelayChild.Value(metrics, "callservice_media_viewers{protocol=\"rtmp\"}") >= 1
                   && RelayChild.Value(metrics, "callservice_media_viewer_queue_delay_count") > 0
                   && RelayChild.Value(metrics, "callservice_recording_bytes_written") > 0;
        }, TimeSpan.FromSeconds(30));
        Assert.True(flowing, "the relay's values at /metrics:\n" + Relay(metrics));
        Assert.True(RelayChild.Value(metrics, "callservice_media_bytes_in") > 10_000, Relay(metrics));
        Assert.True(RelayChild.Value(metrics, "callservice_media_bytes_out") > 1_000, Relay(metrics));
        Assert.Equal(2, RelayChild.Value(metrics, "callservice_recording_active"));
        Assert.Equal(0, RelayChild.Value(metrics, "callservice_media_viewers{protocol=\"flv\"}"));
        Assert.NotNull(RelayChild.Value(metrics, "callservice_media_drops{kind=\"video\"}"));
        Assert.NotNull(RelayChild.Value(metrics, "callservice_media_viewer_queue_delay_bucket{le=\"0.005\"}"));
        foreach (var series in RelaySeries)
            Assert.True(Count(metrics, $"# TYPE {series} ") == 1, $"{series} described once:\n{Relay(metrics)}");
        // A counter the relay adds to (not observed) appears with its first addition, in both modes: no drop here.
        Assert.True(Count(metrics, "# TYPE callservice_recording_dropped_tags ") == 0, Relay(metrics));
        Assert.Equal(mode == "process" ? 0d : (double?)null, RelayChild.Value(metrics, "callservice_media_relay_restarts"));

        // The counters follow the relay: bytes keep growing while media flows.
        var before = RelayChild.Value(metrics, "callservice_media_bytes_in")!.Value;
        Assert.True(await RelayChild.EventuallyAsync(async () =>
            RelayChild.Value(await service.MetricsAsync(), "callservice_media_bytes_in") > before, TimeSpan.FromSeconds(10)));
    }

    private static int Count(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + 1, StringComparison.Ordinal))
            count++;
        return count;
    }

    private static string Relay(string metrics) => string.Join('\n', metrics.Split('\n')
        .Where(l => l.Contains("callservice_media", StringComparison.Ordinal) || l.Contains("callservice_recording", StringComparison.Ordinal)));
}

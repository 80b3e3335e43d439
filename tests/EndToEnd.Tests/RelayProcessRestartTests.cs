using System.Net;
using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests;

/// <summary>
/// A relay process that dies (<c>kill -9</c>) is started again on the same ports: <c>/readyz</c> is not ready while it
/// is down and ready after, the calls learn their publishers are gone (publisher-lost grace; a call nobody republishes to
/// ends <c>media_lost</c>), and the URLs handed out before work again with the new relay.
/// </summary>
public sealed class RelayProcessRestartTests
{
    [Fact]
    public async Task Kill9OfTheRelay_RestartsIt_OnTheSamePorts_AndTheCallsSeeTheLoss()
    {
        await using var service = await ServiceProcess.StartAsync(settings: new Dictionary<string, string>
        {
            ["Media:Mode"] = "process",
            ["Media:RelayRestart:InitialDelayMs"] = "3000", // a window in which /readyz must say not ready
        });
        var firstRelay = RelayChild.Of(service.ProcessId);
        Assert.True(firstRelay is not null, service.Output);
        var kept = await service.CreateCallAsync("rr-a", "rr-b", publisherLostGraceSeconds: 60);
        var lost = await service.CreateCallAsync("rr-c", "rr-d", publisherLostGraceSeconds: 2);
        var keptId = kept["callId"]!.GetValue<string>();
        var lostId = lost["callId"]!.GetValue<string>();
        var publishers = new[]
        {
            EvidenceTools.Publish(kept.Url("a", "pushUrl"), "testsrc=size=320x240:rate=25", 440, 60),
            EvidenceTools.Publish(kept.Url("b", "pushUrl"), "smptebars=size=320x240:rate=25", 880, 60),
            EvidenceTools.Publish(lost.Url("a", "pushUrl"), "testsrc=size=320x240:rate=25", 440, 60),
            EvidenceTools.Publish(lost.Url("b", "pushUrl"), "smptebars=size=320x240:rate=25", 880, 60),
        };
        try
        {
            Assert.True(await RelayChild.EventuallyAsync(async () => await BothLiveAsync(service, keptId)
                && await BothLiveAsync(service, lostId), TimeSpan.FromSeconds(30)), service.Output);

            Assert.Equal(0, Kill9(firstRelay.Value));
            string? notReady = null;
            Assert.True(await RelayChild.EventuallyAsync(async () =>
            {
                using var response = await service.Http.GetAsync("/readyz");
                notReady = await response.Content.ReadAsStringAsync();
                return response.StatusCode == HttpStatusCode.ServiceUnavailable;
            }, TimeSpan.FromSeconds(2.5)), "not ready while the relay is down: " + notReady);
            Assert.Contains("RTMP listener", notReady);

            Assert.True(await RelayChild.EventuallyAsync(async () =>
            {
                using var response = await service.Http.GetAsync("/readyz");
                return response.StatusCode == HttpStatusCode.OK;
            }, TimeSpan.FromSeconds(30)), "ready again: " + service.Output);
            var secondRelay = RelayChild.Of(service.ProcessId);
            Assert.True(secondRelay is not null && secondRelay != firstRelay, $"a new relay: {secondRelay} after {firstRelay}");
            Assert.Single(service.Output.Split('\n'), l => l.Contains("ended: killed by signal 9 (SIGKILL)", StringComparison.Ordinal));

            // Nobody republishes to the second call: its grace (2 s) runs out, it ends media_lost.
            Assert.True(await RelayChild.EventuallyAsync(async () => await StateAsync(service, lostId) == "ended", TimeSpan.FromSeconds(30)));
            Assert.Equal("media_lost", (await service.GetJsonAsync($"/v1/calls/{lostId}"))["endReason"]!.GetValue<string>());

            // The first call's parties publish again with the URLs they had: the new relay takes them, and plays work.
            foreach (var publisher in publishers) publisher.Dispose();
            publishers =
            [
                EvidenceTools.Publish(kept.Url("a", "pushUrl"), "testsrc=size=320x240:rate=25", 440, 60),
                EvidenceTools.Publish(kept.Url("b", "pushUrl"), "smptebars=size=320x240:rate=25", 880, 60),
            ];
            Assert.True(await RelayChild.EventuallyAsync(() => BothLiveAsync(service, keptId), TimeSpan.FromSeconds(20)),
                "both legs live on the new relay");
            Assert.Equal("accepted", await StateAsync(service, keptId));
            var probes = await Task.WhenAll(Ffmpeg.ProbeAsync(kept.Url("a", "playUrl")), Ffmpeg.ProbeAsync(kept.Url("b", "playFlvUrl")));
            foreach (var probe in probes)
            {
                Assert.True(probe.ExitCode == 0, probe.ToString());
                Assert.True(probe.Find("h264")?.PacketsRead > 10, "video after the restart: " + probe);
                Assert.True(probe.Find("aac")?.PacketsRead > 10, "audio after the restart: " + probe);
            }

            var metrics = await service.MetricsAsync();
            Assert.Equal(1, RelayChild.Value(metrics, "callservice_media_relay_restarts"));
            Assert.True(await RelayChild.EventuallyAsync(async () =>
                RelayChild.Value(await service.MetricsAsync(), "callservice_media_publishers") == 2, TimeSpan.FromSeconds(10)));
        }
        finally
        {
            foreach (var publisher in publishers) publisher.Dispose();
        }
    }

    private static async Task<bool> BothLiveAsync(ServiceProcess service, string callId)
    {
        var media = await service.GetJsonAsync($"/v1/calls/{callId}/media");
        return media["streams"]!["a"]!["live"]!.GetValue<bool>() && media["streams"]!["b"]!["live"]!.GetValue<bool>();
    }

    private static async Task<string> StateAsync(ServiceProcess service, string callId) =>
        (await service.GetJsonAsync($"/v1/calls/{callId}"))["state"]!.GetValue<string>();

    private static int Kill9(int pid)
    {
        using var kill = System.Diagnostics.Process.Start("kill", ["-9", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        return kill.ExitCode;
    }
}

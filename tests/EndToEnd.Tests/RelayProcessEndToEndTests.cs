using System.Net;
using System.Text.Json.Nodes;
using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests;

/// <summary>
/// The relay in its own process (<c>Media:Mode=process</c>), end to end: the real CallService process starts the
/// relay (the build beside CallService.dll), real ffmpeg publishes both legs, ffprobe plays every play URL over RTMP and
/// HTTP-FLV (the HTTP-FLV URLs name the relay process's port), stats, a snapshot and a recording go through the control
/// channel, hang-up kicks every peer, and a killed CallService leaves no relay behind.
/// </summary>
public sealed class RelayProcessEndToEndTests
{
    private static readonly Dictionary<string, string> ProcessMode = new() { ["Media:Mode"] = "process" };

    [Fact]
    public async Task ProcessMode_PlaysBothLegsOverRtmpAndHttpFlv_RecordsSnapshotsAndKicksOnHangup()
    {
        await using var service = await ServiceProcess.StartAsync(settings: ProcessMode);
        var relayPid = RelayChild.Of(service.ProcessId);
        Assert.True(relayPid is not null, "a CallMedia.Relay child process runs: " + service.Output);
        var ready = await service.GetJsonAsync("/readyz");
        Assert.Equal("ok", ready["checks"]!["rtmp"]!.GetValue<string>());

        var call = await service.CreateCallAsync("rp-a", "rp-b", "on");
        var callId = call["callId"]!.GetValue<string>();
        var flvUrl = new Uri(call.Url("a", "playFlvUrl"));
        Assert.NotEqual(service.HttpPort, flvUrl.Port); // HTTP-FLV is served by the relay process, not the coordinator
        Assert.Equal($"/live/{callId}-b.flv", flvUrl.AbsolutePath);
        Assert.Equal(service.RtmpPort, new Uri(call.Url("a", "playUrl")).Port);

        using var pushA = EvidenceTools.Publish(call.Url("a", "pushUrl"), "testsrc=size=320x240:rate=25", 440, 60);
        using var pushB = EvidenceTools.Publish(call.Url("b", "pushUrl"), "smptebars=size=320x240:rate=25", 880, 60);
        await Task.Delay(TimeSpan.FromSeconds(3));
        var probes = await Task.WhenAll(
            Ffmpeg.ProbeAsync(call.Url("a", "playUrl")), Ffmpeg.ProbeAsync(call.Url("a", "playFlvUrl")),
            Ffmpeg.ProbeAsync(call.Url("b", "playUrl")), Ffmpeg.ProbeAsync(call.Url("b", "playFlvUrl")));
        foreach (var probe in probes)
        {
            Assert.True(probe.ExitCode == 0, probe.ToString());
            Assert.True(probe.Find("h264")?.PacketsRead > 10, "video frames flowing: " + probe);
            Assert.True(probe.Find("aac")?.PacketsRead > 10, "audio frames flowing: " + probe);
        }

        // Stats (IRelayStats), a snapshot (CaptureLatestGop) and the recording state cross the control channel.
        var media = await service.GetJsonAsync($"/v1/calls/{callId}/media");
        Assert.True(media["streams"]!["a"]!["live"]!.GetValue<bool>(), media.ToJsonString());
        Assert.Equal(320, media["streams"]!["b"]!["video"]!["width"]!.GetValue<int>());
        var tokenA = await service.IssueTokenAsync("rp-a");
        var (created, snapshot) = await service.AsPartyAsync(tokenA, $"/v1/calls/{callId}/snapshots", new { party = "b" });
        Assert.True(created == HttpStatusCode.Created, snapshot.ToJsonString());
        Assert.Equal(320, snapshot["width"]!.GetValue<int>());
        Assert.Equal("recording", (await service.GetJsonAsync($"/v1/calls/{callId}/recordings"))["state"]!.GetValue<string>());

        using var viewer = Ffmpeg.Play(call.Url("b", "playFlvUrl"), 60);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.False(viewer.HasExited, "HTTP-FLV viewer plays: " + viewer.StandardError);
        await service.HangUpAsync(callId);
        foreach (var peer in new[] { pushA, pushB, viewer })
            Assert.True(await peer.WaitForExitAsync(TimeSpan.FromSeconds(10)), "peer disconnected by hang-up");
        using var refused = await service.Http.GetAsync(call.Url("a", "playFlvUrl"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        var recordings = await service.WaitForRecordingsAsync(callId, TimeSpan.FromSeconds(90), "ready", "failed");
        Assert.True(recordings["state"]!.GetValue<string>() == "ready", recordings.ToJsonString());
        var legs = recordings["files"]!.AsArray().Select(f => f!.AsObject())
            .Where(f => f["format"]!.GetValue<string>() == "flv").ToList();
        Assert.Equal(2, legs.Count);
        Assert.All(legs, leg => Assert.True(leg["bytes"]?.GetValue<long>() > 10_000, leg.ToJsonString()));
    }

    [Fact]
    public async Task ProcessMode_Kill9OfCallService_LeavesNoRelayBehind()
    {
        var service = await ServiceProcess.StartAsync(settings: ProcessMode);
        await using (service)
        {
            var relayPid = RelayChild.Of(service.ProcessId);
            Assert.True(relayPid is not null, "a CallMedia.Relay child process runs: " + service.Output);
            service.KillAbruptly();
            var gone = false;
            for (var i = 0; i < 100 && !gone; i++) // the relay exits when its control channel closes
            {
                gone = !RelayChild.IsRunning(relayPid.Value);
                if (!gone) await Task.Delay(100);
            }
            Assert.True(gone, $"relay process {relayPid} ended within 10 s of its coordinator's SIGKILL");
        }
    }
}

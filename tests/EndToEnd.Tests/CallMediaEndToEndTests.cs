using System.Net;
using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests;

/// <summary>
/// Calls with media, end to end: the real CallService process, real ffmpeg publishers on both push URLs,
/// ffprobe/ffmpeg reading both play URLs over RTMP and HTTP-FLV.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class CallMediaEndToEndTests(ServiceFixture fixture)
{
    private ServiceProcess Service => fixture.Service;

    [Fact]
    public async Task BothPartiesPublish_EachPlayUrlDeliversThePeersH264AndAac_OverRtmpAndHttpFlv()
    {
        var call = await Service.CreateDirectCallAsync("alice", "bob", "customer_service");
        using var pushA = Ffmpeg.Publish(call.Url("a", "pushUrl"), 25);
        using var pushB = Ffmpeg.Publish(call.Url("b", "pushUrl"), 25);
        await Task.Delay(TimeSpan.FromSeconds(2));

        var probes = await Task.WhenAll(
            Ffmpeg.ProbeAsync(call.Url("a", "playUrl")),
            Ffmpeg.ProbeAsync(call.Url("a", "playFlvUrl")),
            Ffmpeg.ProbeAsync(call.Url("b", "playUrl")),
            Ffmpeg.ProbeAsync(call.Url("b", "playFlvUrl")));

        foreach (var probe in probes)
        {
            Assert.True(probe.ExitCode == 0, probe.ToString());
            Assert.True(probe.Find("h264")?.PacketsRead > 10, "video frames flowing: " + probe);
            Assert.True(probe.Find("aac")?.PacketsRead > 10, "audio frames flowing: " + probe);
        }
        Assert.False(pushA.HasExited, "publisher A still running: " + pushA.StandardError);
        Assert.False(pushB.HasExited, "publisher B still running: " + pushB.StandardError);
    }

    [Fact]
    public async Task Hangup_DisconnectsPublishersAndViewers_AndRefusesTheUrlsFromThenOn()
    {
        var call = await Service.CreateDirectCallAsync("carol", "dave");
        var callId = call["callId"]!.GetValue<string>();
        using var pushA = Ffmpeg.Publish(call.Url("a", "pushUrl"), 60);
        using var pushB = Ffmpeg.Publish(call.Url("b", "pushUrl"), 60);
        await Task.Delay(TimeSpan.FromSeconds(2));
        using var viewerRtmp = Ffmpeg.Play(call.Url("a", "playUrl"), 60);
        using var viewerFlv = Ffmpeg.Play(call.Url("b", "playFlvUrl"), 60);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.False(pushA.HasExited || pushB.HasExited || viewerRtmp.HasExited || viewerFlv.HasExited,
            "all four peers run before hang-up: " + pushA.StandardError + pushB.StandardError + viewerRtmp.StandardError + viewerFlv.StandardError);

        var ended = await Service.HangUpAsync(callId);
        Assert.Equal("ended", ended["state"]!.GetValue<string>());
        Assert.Equal("hangup", ended["endReason"]!.GetValue<string>());
        Assert.Equal("system", ended["endedBy"]!.GetValue<string>());

        // Publishers run with -t 60: exiting within seconds means the relay closed them.
        foreach (var peer in new[] { pushA, pushB, viewerRtmp, viewerFlv })
            Assert.True(await peer.WaitForExitAsync(TimeSpan.FromSeconds(10)), "peer disconnected by hang-up");

        using var republish = Ffmpeg.Publish(call.Url("a", "pushUrl"), 30);
        Assert.True(await republish.WaitForExitAsync(TimeSpan.FromSeconds(15)), "publish after hang-up is refused");
        Assert.NotEqual(0, republish.ExitCode);

        using var flv = await Service.Http.GetAsync(call.Url("a", "playFlvUrl"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.Forbidden, flv.StatusCode);
    }

    public static TheoryData<string> RefusedPublishes => new() { "tampered", "expired", "other-call", "play-url" };

    [Theory]
    [MemberData(nameof(RefusedPublishes))]
    public async Task Publish_WithAnUnusableUrl_IsRefused(string kind)
    {
        var call = await Service.CreateDirectCallAsync($"u-{kind}-1", $"u-{kind}-2");
        var other = await Service.CreateDirectCallAsync($"o-{kind}-1", $"o-{kind}-2");
        var pushUrl = call.Url("a", "pushUrl");
        var url = kind switch
        {
            "tampered" => SignedUrls.Tamper(pushUrl),
            "expired" => SignedUrls.Resign(pushUrl, ServiceProcess.PushKey, DateTimeOffset.UtcNow.AddMinutes(-1)),
            // A valid signature for the other call's stream, presented under this call's stream name.
            "other-call" => SignedUrls.WithQueryOf(pushUrl, other.Url("a", "pushUrl")),
            // B's play URL names stream {callId}-a and is signed with the play key: it must never publish.
            "play-url" => call.Url("b", "playUrl"),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        using var publisher = Ffmpeg.Publish(url, 30);
        Assert.True(await publisher.WaitForExitAsync(TimeSpan.FromSeconds(15)), $"{kind} publish is refused");
        Assert.NotEqual(0, publisher.ExitCode);

        // The refusal did not disturb the call: its real URL still publishes.
        using var good = Ffmpeg.Publish(pushUrl, 6);
        Assert.False(await good.WaitForExitAsync(TimeSpan.FromSeconds(3)), "valid publish keeps running: " + good.StandardError);
    }

    [Fact]
    public async Task HttpFlv_WithTamperedOrPushSignedUrl_Returns403()
    {
        var call = await Service.CreateDirectCallAsync("erin", "frank");
        var flvUrl = call.Url("a", "playFlvUrl");

        using var tampered = await Service.Http.GetAsync(SignedUrls.Tamper(flvUrl), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.Forbidden, tampered.StatusCode);

        var pushSigned = SignedUrls.Resign(flvUrl, ServiceProcess.PushKey, DateTimeOffset.UtcNow.AddMinutes(10));
        using var wrongKey = await Service.Http.GetAsync(pushSigned, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.Forbidden, wrongKey.StatusCode);
    }
}

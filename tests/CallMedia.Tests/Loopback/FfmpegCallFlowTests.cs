using System.Diagnostics;
using CallMedia.Access;
using CallMedia.Events;
using TestSupport.Processes;
using static CallMedia.Tests.Loopback.FfmpegLoopbackTests;

namespace CallMedia.Tests.Loopback;

/// <summary>Call-shaped flows with real ffmpeg: play before publish, refusals, hang-up.</summary>
public sealed class FfmpegCallFlowTests
{
    [Fact]
    public async Task Play_BeforePublish_IsHeldAndReceivesMediaWhenPublisherArrives()
    {
        await using var host = await RelayHost.StartAsync();
        var rtmp = Ffmpeg.ProbeAsync($"{host.RtmpBase}/held?txSecret=p&txTime=q");
        var flv = Ffmpeg.ProbeAsync($"{host.HttpBase}/live/held.flv?txSecret=p&txTime=q");
        await WaitUntilAsync(() => host.Events.OfType<PlayStarted>().Count() == 2, TimeSpan.FromSeconds(10));
        await Task.Delay(300); // the viewers wait on a stream nobody publishes yet
        Assert.False(rtmp.IsCompleted);
        Assert.False(flv.IsCompleted);

        using var publisher = Ffmpeg.StartPublish($"{host.RtmpBase}/held?txSecret=x&txTime=y", seconds: 4);
        var (rtmpResult, flvResult) = (await rtmp, await flv);
        AssertHasH264AndAac(rtmpResult.Stdout, rtmpResult.Stderr);
        AssertHasH264AndAac(flvResult.Stdout, flvResult.Stderr);
        publisher.Kill();
    }

    [Fact]
    public async Task Publish_RefusedByPolicy_FfmpegFailsAndNothingIsPublished()
    {
        await using var host = await RelayHost.StartAsync();
        host.Policy = r => r.Action == MediaAction.Publish ? StreamAccessDecision.Deny("bad_signature") : StreamAccessDecision.Allow;
        var sw = Stopwatch.StartNew();
        // A -t of 30 s: an accepted publish would run that long, a refused one ends well before it (timing is not
        // measured here: DESIGN §5 keeps performance figures in the benchmarks, and ffmpeg's start-up on a busy
        // 2-core machine alone can take seconds).
        var result = await ProcessRun.UntilExitAsync("/usr/bin/ffmpeg",
            TestSupport.Media.Ffmpeg.PublishArguments($"{host.RtmpBase}/denied?txSecret=bad&txTime=1", 30), TimeSpan.FromSeconds(45));
        Assert.NotEqual(0, result.ExitCode);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), $"ffmpeg should fail well before its 30 s of media, took {sw.Elapsed}");
        Assert.Empty(host.Events.OfType<PublishStarted>());
        Assert.Single(host.Requests, r => r.Action == MediaAction.Publish && r.StreamName == "denied");
    }

    [Fact]
    public async Task Play_RefusedByPolicy_RtmpFailsAndHttpFlvIs403()
    {
        await using var host = await RelayHost.StartAsync();
        host.Policy = r => r.Action == MediaAction.Play ? StreamAccessDecision.Deny("expired") : StreamAccessDecision.Allow;
        var probe = await Ffmpeg.ProbeAsync($"{host.RtmpBase}/x?txSecret=a&txTime=b");
        Assert.NotEqual(0, probe.ExitCode);
        using var http = new HttpClient();
        var response = await http.GetAsync($"{host.HttpBase}/live/x.flv?txSecret=a&txTime=b");
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(host.Events.OfType<PlayStarted>());
    }

    [Fact]
    public async Task DisconnectStream_EndsPublisherAndViewersWellBeforeThePublishWouldEnd()
    {
        await using var host = await RelayHost.StartAsync();
        using var publisher = Ffmpeg.StartPublish($"{host.RtmpBase}/call1-a?txSecret=x&txTime=y", seconds: 30);
        _ = publisher.StandardError.ReadToEndAsync();
        await WaitUntilAsync(() => host.Events.OfType<PublishStarted>().Any(), TimeSpan.FromSeconds(10));

        using var rtmpViewer = Ffmpeg.Start("/usr/bin/ffmpeg", $"-hide_banner -loglevel error -i {Ffmpeg.Quote(host.RtmpBase + "/call1-a?txSecret=p&txTime=q")} -f null -");
        _ = rtmpViewer.StandardError.ReadToEndAsync();
        using var http = new HttpClient();
        using var response = await http.GetAsync($"{host.HttpBase}/live/call1-a.flv?txSecret=p&txTime=q", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("video/x-flv", response.Content.Headers.ContentType?.MediaType);
        await using var body = await response.Content.ReadAsStreamAsync();
        var flvBytes = await ReadSomeAsync(body, 4096);
        Assert.Equal("FLV"u8.ToArray(), flvBytes[..3]);
        Assert.Equal(0x05, flvBytes[4]); // audio + video flags
        await WaitUntilAsync(() => host.Events.OfType<PlayStarted>().Count() == 2, TimeSpan.FromSeconds(10));

        var sw = Stopwatch.StartNew();
        var closed = host.Control.DisconnectStream("call1-a", "hangup");
        Assert.Equal(3, closed);
        var drain = DrainAsync(body);
        await publisher.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        await drain.WaitAsync(TimeSpan.FromSeconds(20));
        await rtmpViewer.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        // The publisher had 30 s of media left: all three ending well before that is the behaviour; how fast (the
        // hang-up target of DESIGN §5) is for the benchmarks, not a timed assertion on a shared machine.
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), $"disconnect took {sw.Elapsed}");
        Assert.Contains(host.Events.OfType<PublishStopped>(), e => e.StreamName == "call1-a" && e.Reason == "kicked");
        Assert.Equal(2, host.Events.OfType<PlayStopped>().Count(e => e.Reason == "kicked"));
        Assert.Null(host.Stats.GetStream("call1-a"));
    }

    [Fact]
    public async Task FfmpegPublisherKilled_ReconnectingPublisherIsAcceptedAndViewerContinues()
    {
        await using var host = await RelayHost.StartAsync();
        await using var viewer = await RtmpPeer.ConnectAsync(host.RtmpEndPoint);
        Assert.Equal("NetStream.Play.Reset", await viewer.PlayAsync("rc-a?txSecret=p&txTime=q"));

        using (var first = Ffmpeg.StartPublish($"{host.RtmpBase}/rc-a?txSecret=x&txTime=y", seconds: 30))
        {
            await viewer.WaitForAsync(m => m.Type == CallMedia.Rtmp.Chunks.RtmpMessageType.Video && m.Payload[1] == 1, 10_000);
            await Task.Delay(500);
            first.Kill(); // SIGKILL: the pusher's process dies mid-stream
            await first.WaitForExitAsync();
        }
        // Everything of the first publisher must be in before the cut: the relay notices the dead connection, then the
        // viewer's queue and socket still hold some of its frames (on a busy machine for a while), which would
        // otherwise be taken for the second publisher's first frame.
        await WaitUntilAsync(() => host.Events.OfType<PublishStopped>().Any(e => e.StreamName == "rc-a"), TimeSpan.FromSeconds(15));
        var before = viewer.Drain();
        while (await viewer.NextAsync(750) is { } late)
            before.Add(late);
        var lastBefore = before.Where(m => m.Type == CallMedia.Rtmp.Chunks.RtmpMessageType.Video).Max(m => m.Timestamp);

        using var second = Ffmpeg.StartPublish($"{host.RtmpBase}/rc-a?txSecret=x&txTime=y", seconds: 2);
        _ = second.StandardError.ReadToEndAsync();
        var key = await viewer.WaitForAsync(m => m.Type == CallMedia.Rtmp.Chunks.RtmpMessageType.Video && m.Payload[1] == 1, 10_000);
        Assert.Equal(1, key.Payload[0] >> 4); // resumes at a key frame
        Assert.True(key.Timestamp > lastBefore, $"timestamps continue: {lastBefore} then {key.Timestamp}");
        Assert.False(viewer.Closed);
        Assert.Equal(2, host.Events.OfType<PublishStarted>().Count(e => e.StreamName == "rc-a"));
        second.Kill();
    }

    private static async Task<byte[]> ReadSomeAsync(Stream stream, int count)
    {
        var buffer = new byte[count];
        var read = 0;
        while (read < 13)
            read += await stream.ReadAsync(buffer.AsMemory(read));
        return buffer[..read];
    }

    private static async Task DrainAsync(Stream stream)
    {
        var buffer = new byte[16384];
        try
        {
            while (await stream.ReadAsync(buffer) > 0) { }
        }
        catch (IOException)
        {
            // Aborted connection also ends the response.
        }
    }
}

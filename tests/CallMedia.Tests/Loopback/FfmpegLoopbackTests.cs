using CallMedia.Access;
using CallMedia.Events;

namespace CallMedia.Tests.Loopback;

/// <summary>The relay on real loopback sockets with real ffmpeg/ffprobe peers.</summary>
public sealed class FfmpegLoopbackTests
{
    [Fact]
    public async Task Publish_WithFfmpeg_IsPlayableOverRtmpAndHttpFlv()
    {
        await using var host = await RelayHost.StartAsync(new() { ["Media:StatsIntervalMs"] = "1000" });
        using var publisher = Ffmpeg.StartPublish($"{host.RtmpBase}/s1?txSecret=x&txTime=y", seconds: 6);
        var stderr = publisher.StandardError.ReadToEndAsync();
        await WaitUntilAsync(() => host.Events.OfType<PublishStarted>().Any(), TimeSpan.FromSeconds(10));

        var rtmp = Ffmpeg.ProbeAsync($"{host.RtmpBase}/s1?txSecret=p&txTime=q");
        var flv = Ffmpeg.ProbeAsync($"{host.HttpBase}/live/s1.flv?txSecret=p&txTime=q");
        var (rtmpResult, flvResult) = (await rtmp, await flv);

        AssertHasH264AndAac(rtmpResult.Stdout, rtmpResult.Stderr);
        AssertHasH264AndAac(flvResult.Stdout, flvResult.Stderr);

        var publish = host.Requests.First(r => r.Action == MediaAction.Publish);
        Assert.Equal("live", publish.App);
        Assert.Equal("s1", publish.StreamName);
        Assert.Equal("txSecret=x&txTime=y", publish.Query);
        var plays = host.Requests.Where(r => r.Action == MediaAction.Play).ToList();
        Assert.Contains(plays, p => p.Transport == MediaTransport.Rtmp && p.StreamName == "s1" && p.Query == "txSecret=p&txTime=q");
        Assert.Contains(plays, p => p.Transport == MediaTransport.HttpFlv && p.StreamName == "s1" && p.Query == "txSecret=p&txTime=q");

        // Stats from the sequence headers and the last seconds of media (docs/api.md, GET /v1/calls/{id}/media).
        var stats = host.Stats.GetStream("s1");
        Assert.NotNull(stats);
        Assert.True(stats!.Live);
        Assert.Equal(("avc", 320, 240), (stats.VideoCodec, stats.Width, stats.Height));
        Assert.Equal(("aac", 44100, 1), (stats.AudioCodec, stats.AudioSampleRate, stats.AudioChannels));
        Assert.InRange(stats.VideoFps, 15, 30);
        Assert.InRange(stats.KeyFrameIntervalMs, 900, 1100); // -g 25 at 25 fps
        Assert.True(stats.VideoKbps > 0 && stats.AudioKbps > 0, $"bitrates {stats.VideoKbps}/{stats.AudioKbps}");
        Assert.Contains(host.Events.OfType<StreamStatsReported>(), e => e.StreamName == "s1" && e.Stats.Width == 320);

        await publisher.WaitForExitAsync();
        Assert.True(publisher.ExitCode == 0, await stderr);
        await WaitUntilAsync(() => host.Events.OfType<PublishStopped>().Any(), TimeSpan.FromSeconds(5));
    }

    internal static void AssertHasH264AndAac(string stdout, string stderr)
    {
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var video = lines.FirstOrDefault(l => l.StartsWith("h264,", StringComparison.Ordinal) || l.Contains("h264"));
        var audio = lines.FirstOrDefault(l => l.StartsWith("aac,", StringComparison.Ordinal) || l.Contains("aac"));
        Assert.True(video is not null, $"no h264 stream: {stdout} {stderr}");
        Assert.True(audio is not null, $"no aac stream: {stdout} {stderr}");
        Assert.True(FrameCount(video!) > 5, $"too few video frames: {video}");
        Assert.True(FrameCount(audio!) > 5, $"too few audio frames: {audio}");
        Assert.Contains("320,240", video!);
    }

    private static int FrameCount(string csvLine)
    {
        var last = csvLine.Split(',').Last();
        return int.TryParse(last, out var n) ? n : 0;
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("condition not met in time");
            await Task.Delay(20);
        }
    }
}

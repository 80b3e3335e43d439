using CallMedia.Rtmp.Chunks;
using Xunit.Abstractions;

namespace CallMedia.Tests.Loopback;

/// <summary>The relay's measurements with a real x264/AAC FLV published at real-time pace by the test client.</summary>
public sealed class RealStreamTests(ITestOutputHelper output)
{
    private static bool IsFrame(Received m) => m.Type is RtmpMessageType.Audio or RtmpMessageType.Video && m.Payload.Length > 1 && m.Payload[1] == 1;

    [Fact]
    public async Task RealStream_JoiningViewers_FirstFrameWithinStartLatencyPlusOneFrame()
    {
        var tags = await FlvFile.SampleAsync();
        await using var host = await RelayHost.StartAsync();
        await using var pub = await RtmpPeer.ConnectAsync(host.RtmpEndPoint);
        Assert.Equal("NetStream.Publish.Start", await pub.PublishAsync("real?txSecret=x&txTime=y"));
        var publisher = new FlvFilePublisher(pub, tags);
        var run = publisher.RunAsync(5000);

        var firstFrames = new List<long>();
        foreach (var joinAt in new[] { 1100, 1700, 2300, 2900, 3500 })
        {
            await Task.Delay(Math.Max(0, (int)(publisher.StartedAt + joinAt - Environment.TickCount64)));
            await using var viewer = await RtmpPeer.ConnectAsync(host.RtmpEndPoint);
            var playAt = Environment.TickCount64;
            Assert.Equal("NetStream.Play.Reset", await viewer.PlayAsync("real?txSecret=p&txTime=q"));
            var meta = await viewer.WaitForAsync(m => m.CommandName == "onMetaData" || IsFrame(m) || m.Type is RtmpMessageType.Audio or RtmpMessageType.Video);
            Assert.Equal("onMetaData", meta.CommandName);
            var key = await viewer.WaitForAsync(m => m.Type == RtmpMessageType.Video && IsFrame(m), 3000);
            Assert.Equal(1, key.Payload[0] >> 4); // the first video frame is a key frame
            firstFrames.Add(key.ArrivedAt - playAt);
        }
        await run;
        output.WriteLine($"time to first frame (ms) at key ages 100/700/300/900/500: {string.Join(", ", firstFrames)}");
        // Headers first and a key frame as the first video frame are the behaviour; the time to first frame (p95 ≤ 150 ms
        // when the latest key frame is young) is measured by `CallLoad ttff`, not asserted on a shared machine. Here it
        // only has to come within the next GOP (1 s) plus generous slack.
        Assert.All(firstFrames, ms => Assert.True(ms < 3000, $"first frame after {ms} ms"));
    }

    [Fact]
    public async Task RealStream_ViewerAtAQuarterOfTheBitrate_KeepsAudioWithBoundedLatency()
    {
        var tags = await FlvFile.SampleAsync();
        var seconds = 20;
        var bytes = tags.Where(t => t.Timestamp < seconds * 1000).Sum(t => t.Body.Length + 16);
        var bytesPerSecond = bytes / seconds;
        await using var host = await RelayHost.StartAsync();
        await using var pub = await RtmpPeer.ConnectAsync(host.RtmpEndPoint);
        Assert.Equal("NetStream.Publish.Start", await pub.PublishAsync("realslow?txSecret=x&txTime=y"));
        await using var slow = await RtmpPeer.ConnectAsync(host.RtmpEndPoint, receiveBuffer: 4096, readBytesPerSecond: bytesPerSecond / 4);
        await using var normal = await RtmpPeer.ConnectAsync(host.RtmpEndPoint);
        Assert.Equal("NetStream.Play.Reset", await slow.PlayAsync("realslow?txSecret=p&txTime=q"));
        Assert.Equal("NetStream.Play.Reset", await normal.PlayAsync("realslow?txSecret=p&txTime=q"));

        var publisher = new FlvFilePublisher(pub, tags);
        await publisher.RunAsync(seconds * 1000);
        await Task.Delay(1500);
        var start = publisher.StartedAt;

        Assert.False(slow.Closed, "the slow viewer is not disconnected");
        var slowMedia = slow.Drain().Where(IsFrame).ToList();
        var normalMedia = normal.Drain().Where(IsFrame).ToList();
        var slowAudio = slowMedia.Where(m => m.Type == RtmpMessageType.Audio).ToList();
        var firstAudioTs = slowAudio[0].Timestamp;
        var expected = tags.Count(t => t.IsAudioFrame && t.Timestamp >= firstAudioTs && t.Timestamp <= seconds * 1000);
        var ratio = slowAudio.Select(m => m.Timestamp).Distinct().Count() / (double)expected;
        var latencies = slowAudio.Select(m => m.ArrivedAt - start - m.Timestamp).Order().ToList();
        var settled = slowAudio.Where(m => m.Timestamp > 3000).Select(m => m.ArrivedAt - start - m.Timestamp).Order().ToList();
        output.WriteLine($"after the first 3 s (link rate learnt): p95 {settled[(int)(settled.Count * 0.95)]} max {settled[^1]} ms");
        var slowVideo = slowMedia.Where(m => m.Type == RtmpMessageType.Video).ToList();
        var stats = host.Stats.GetStream("realslow")!;
        output.WriteLine($"stream {bytesPerSecond * 8 / 1000} kbit/s, link {bytesPerSecond * 2 / 1000} kbit/s; audio {ratio:P2}; " +
            $"latency p50 {latencies[latencies.Count / 2]} p95 {latencies[(int)(latencies.Count * 0.95)]} max {latencies[^1]} ms; " +
            $"video frames {slowVideo.Count}/{publisher.VideoFramesSent}, key frames {slowVideo.Count(m => m.Payload[0] >> 4 == 1)}");
        foreach (var v in stats.Viewers) output.WriteLine(v.ToString());
        output.WriteLine("audio latency by second of arrival (max ms): " + string.Join(" ", slowAudio
            .GroupBy(m => (m.ArrivedAt - start) / 1000).OrderBy(g => g.Key)
            .Select(g => $"{g.Key}:{g.Max(m => m.ArrivedAt - start - m.Timestamp)}")));

        Assert.True(ratio >= 0.99, $"audio delivery {ratio:P2}");
        Assert.True(latencies[^1] < 3000, $"latency reached {latencies[^1]} ms");
        // After a gap, video resumes on a key frame (frames are 40 ms apart at 25 fps).
        for (var i = 1; i < slowVideo.Count; i++)
            if (slowVideo[i].Timestamp - slowVideo[i - 1].Timestamp > 40)
                Assert.Equal(1, slowVideo[i].Payload[0] >> 4);
        // The normal viewer got every frame from its start on.
        var normalVideo = normalMedia.Where(m => m.Type == RtmpMessageType.Video).Select(m => m.Timestamp).ToList();
        var sentVideo = tags.Where(t => t.IsVideoFrame && t.Timestamp >= normalVideo[0] && t.Timestamp <= seconds * 1000).Select(t => t.Timestamp).ToList();
        Assert.Equal(sentVideo, normalVideo);
    }
}

using CallMedia.Delivery;
using CallMedia.Rtmp.Chunks;
using Xunit.Abstractions;

namespace CallMedia.Tests.Loopback;

/// <summary>Audio-first drops (DESIGN §4): a viewer on a link at a quarter of the stream's bitrate, next to a normal viewer.</summary>
public sealed class SlowViewerTests(ITestOutputHelper output)
{
    private const int DurationMs = 20_000;

    [Fact]
    public async Task SlowViewer_GetsAudioAndKeyFrameAlignedVideoWithBoundedLatency_NormalViewerLosesNothing()
    {
        await using var host = await RelayHost.StartAsync();
        await using var pub = await RtmpPeer.ConnectAsync(host.RtmpEndPoint);
        Assert.Equal("NetStream.Publish.Start", await pub.PublishAsync("slow?txSecret=x&txTime=y"));
        var publisher = new SyntheticPublisher(pub, keyBytes: 8_000);
        await publisher.SendHeadersAsync();

        // Stream ≈ 8 kB key + 24 × 2.5 kB inter + 50 × 160 B audio per second ≈ 76 kB/s (600 kbit/s); the slow link takes a quarter.
        const int streamBytesPerSecond = 8_000 + 24 * 2_500 + 50 * 160;
        await using var slow = await RtmpPeer.ConnectAsync(host.RtmpEndPoint, receiveBuffer: 4096, readBytesPerSecond: streamBytesPerSecond / 4);
        await using var normal = await RtmpPeer.ConnectAsync(host.RtmpEndPoint);
        Assert.Equal("NetStream.Play.Reset", await slow.PlayAsync("slow?txSecret=p&txTime=q"));
        Assert.Equal("NetStream.Play.Reset", await normal.PlayAsync("slow?txSecret=p&txTime=q"));

        var start = Environment.TickCount64;
        await publisher.RunAsync(DurationMs, CancellationToken.None);
        await Task.Delay(1500); // let queued media arrive
        var stats = host.Stats.GetStream("slow")!;
        foreach (var v in stats.Viewers) output.WriteLine(v.ToString());

        Assert.False(slow.Closed, "the slow viewer stays below the hard bound and is not disconnected");
        var slowMedia = slow.Drain().Where(m => m.Type is RtmpMessageType.Audio or RtmpMessageType.Video && SyntheticMedia.IsFrame(m)).ToList();
        var normalMedia = normal.Drain().Where(m => m.Type is RtmpMessageType.Audio or RtmpMessageType.Video && SyntheticMedia.IsFrame(m)).ToList();

        // Audio: ≥ 99 % of what was sent from the viewer's first audio on.
        var slowAudio = slowMedia.Where(m => m.Type == RtmpMessageType.Audio).Select(SyntheticMedia.Index).ToList();
        var expectedAudio = publisher.AudioSent - slowAudio[0];
        var ratio = slowAudio.Distinct().Count() / (double)expectedAudio;
        var latencies = slowMedia.Where(m => m.Type == RtmpMessageType.Audio).Select(m => m.ArrivedAt - start - m.Timestamp).Order().ToList();
        var p95 = latencies[(int)(latencies.Count * 0.95)];
        var max = latencies[^1];
        var slowVideo = slowMedia.Where(m => m.Type == RtmpMessageType.Video).ToList();
        output.WriteLine($"slow viewer: audio {slowAudio.Distinct().Count()}/{expectedAudio} = {ratio:P2}; latency p95 {p95} ms, max {max} ms; " +
            $"video {slowVideo.Count}/{publisher.VideoSent}");
        Assert.True(ratio >= 0.99, $"audio delivery {ratio:P2}");
        Assert.True(max < 3000, $"latency reached {max} ms");

        // Video resumes only at key frames: every discontinuity lands on a key frame.
        for (var i = 1; i < slowVideo.Count; i++)
        {
            if (SyntheticMedia.Index(slowVideo[i]) != SyntheticMedia.Index(slowVideo[i - 1]) + 1)
                Assert.True(SyntheticMedia.IsKey(slowVideo[i]), $"video resumed on a non-key frame #{SyntheticMedia.Index(slowVideo[i])}");
        }
        Assert.True(slowVideo.Count(SyntheticMedia.IsKey) >= 3, $"key frames keep coming through ({slowVideo.Count(SyntheticMedia.IsKey)})");

        // The slow viewer was asked to acknowledge what it read at a small window (its pipe is then exact); the normal
        // one, once its budget was large, at the connection's large window again (RTMP spec §5.4.4).
        var slowAckWindows = slow.AckWindows;
        var normalAckWindows = normal.AckWindows;
        output.WriteLine($"Window Acknowledgement Sizes: slow {string.Join(", ", slowAckWindows)}; normal {string.Join(", ", normalAckWindows)}");
        Assert.Contains((uint)LinkEstimator.SmallAckWindowBytes, slowAckWindows);
        Assert.NotEqual((uint)LinkEstimator.LargeAckWindowBytes, slowAckWindows[^1]);
        Assert.Equal(LinkEstimator.LargeAckWindowBytes, (int)normalAckWindows[^1]);

        // The normal viewer lost nothing.
        foreach (var type in new[] { RtmpMessageType.Audio, RtmpMessageType.Video })
        {
            var indices = normalMedia.Where(m => m.Type == type).Select(SyntheticMedia.Index).ToList();
            var sent = type == RtmpMessageType.Audio ? publisher.AudioSent : publisher.VideoSent;
            Assert.True(Enumerable.Range(indices[0], sent - indices[0]).SequenceEqual(indices),
                $"normal viewer lost {type}: got {indices.Count} of {sent - indices[0]}; {string.Join("; ", stats.Viewers)}");
        }
    }
}

using CallMedia.Events;
using CallMedia.Rtmp.Chunks;
using Xunit.Abstractions;

namespace CallMedia.Tests.Loopback;

/// <summary>The relay's call-grade behaviours (DESIGN §4) with the test RTMP client: fast start, takeover, reconnect continuity, player end.</summary>
public sealed class CallGradeRelayTests(ITestOutputHelper output)
{
    private static bool IsMedia(Received m) =>
        m.Type is RtmpMessageType.Audio or RtmpMessageType.Video ||
        (m.Type == RtmpMessageType.DataAmf0 && m.CommandName == "onMetaData");

    private static async Task<(RtmpPeer Client, SyntheticPublisher Publisher)> StartPublisherAsync(RelayHost host, string stream)
    {
        var client = await RtmpPeer.ConnectAsync(host.RtmpEndPoint);
        Assert.Equal("NetStream.Publish.Start", await client.PublishAsync(stream + "?txSecret=x&txTime=y"));
        var publisher = new SyntheticPublisher(client);
        await publisher.SendHeadersAsync();
        return (client, publisher);
    }

    [Fact]
    public async Task Play_JoiningLiveStream_GetsHeadersFirstThenKeyFrameWithinStartLatency()
    {
        await using var host = await RelayHost.StartAsync();
        var (pubClient, publisher) = await StartPublisherAsync(host, "fast");
        await using var _ = pubClient;
        var started = Environment.TickCount64;
        using var cts = new CancellationTokenSource();
        var run = publisher.RunAsync(4000, cts.Token);

        foreach (var joinAt in new[] { 1200, 1900 })
        {
            var wait = joinAt - (int)(Environment.TickCount64 - started);
            if (wait > 0) await Task.Delay(wait);
            await using var viewer = await RtmpPeer.ConnectAsync(host.RtmpEndPoint);
            var playAt = Environment.TickCount64;
            var sentAtPlay = publisher.VideoSent;
            var latestKey = (sentAtPlay - 1) / 25 * 25;
            // The latest key frame's age by the wall clock and by the frames sent since (the publisher may lag).
            var keyAge = (int)(playAt - started) % 1000;
            var keyMediaAge = (sentAtPlay - 1 - latestKey) * 40;
            Assert.Equal("NetStream.Play.Reset", await viewer.PlayAsync("fast?txSecret=p&txTime=q"));
            var playRoundTrip = (int)(Environment.TickCount64 - playAt);
            var media = new List<Received>();
            while (!media.Any(SyntheticMedia.IsKey))
            {
                var m = await viewer.WaitForAsync(IsMedia, 3000);
                media.Add(m);
            }
            var firstFrameMs = media.First(SyntheticMedia.IsKey).ArrivedAt - playAt;
            output.WriteLine($"join at key age {keyAge} ms: first key frame after {firstFrameMs} ms");

            Assert.Equal("onMetaData", media[0].CommandName);
            Assert.Equal(SyntheticMedia.AacSequenceHeader, media[1].Payload);
            Assert.Equal(SyntheticMedia.AvcSequenceHeader, media[2].Payload);
            Assert.True(SyntheticMedia.IsKey(media[3]) || media[3].Type == RtmpMessageType.Audio && media.Count > 4,
                "after the headers comes the start point");
            Assert.DoesNotContain(media.Skip(3), m => m.Type == RtmpMessageType.Video && !SyntheticMedia.IsKey(m));
            // Bounded start: the cached key frame when younger than MaxStartLatencyMs (500), else the next one. Which of
            // the two the relay picks depends on when the key frame reached it, which this loopback run can only estimate
            // (a publisher catching up after a stall sends old frames late), so that rule is asserted on the relay's own
            // clock in RelayStreamTests; here: never a key frame older than the latest, and the start comes well within
            // the publisher's run (how fast is the ttff benchmark's figure, DESIGN §5).
            var keyIndex = SyntheticMedia.Index(media.First(SyntheticMedia.IsKey));
            Assert.True(keyIndex >= latestKey, $"started at key frame #{keyIndex}, older than the latest #{latestKey}");
            Assert.True(firstFrameMs < 3000, $"first key frame after {firstFrameMs} ms (key age {keyAge}/{keyMediaAge} ms, play {playRoundTrip} ms)");
        }
        cts.Cancel();
        await run;
    }

    [Fact]
    public async Task Publish_SecondPublisher_BadNameWhileLive_TakesOverWhenStale()
    {
        await using var host = await RelayHost.StartAsync(new() { ["Media:PublisherStaleMs"] = "600" });
        var (first, publisher) = await StartPublisherAsync(host, "take");
        await using var _ = first;
        using var cts = new CancellationTokenSource();
        var run = publisher.RunAsync(800, cts.Token);

        await using (var rival = await RtmpPeer.ConnectAsync(host.RtmpEndPoint))
        {
            Assert.Equal("NetStream.Publish.BadName", await rival.PublishAsync("take?txSecret=x&txTime=y"));
            await WaitUntilClosedAsync(rival);
        }
        await run; // the first publisher now goes silent but keeps its connection
        // The stall of this silence: a slow start (a busy machine) may have reported an earlier stall, since resumed.
        var silentFrom = host.Events.Count;
        await FfmpegLoopbackTests.WaitUntilAsync(
            () => host.Events.Skip(silentFrom).OfType<PublishStalled>().Any(e => e.StreamName == "take" && e.SilentMs >= 600),
            TimeSpan.FromSeconds(3));

        await using var second = await RtmpPeer.ConnectAsync(host.RtmpEndPoint);
        Assert.Equal("NetStream.Publish.Start", await second.PublishAsync("take?txSecret=x&txTime=y"));
        await WaitUntilClosedAsync(first);
        Assert.Contains(host.Events.OfType<PublishStopped>(), e => e.StreamName == "take" && e.Reason == "replaced");
        Assert.Equal(2, host.Events.OfType<PublishStarted>().Count(e => e.StreamName == "take"));
    }

    [Fact]
    public async Task Publisher_ReconnectWithinGrace_ViewerSurvivesAndTimestampsKeepIncreasing()
    {
        await using var host = await RelayHost.StartAsync();
        var (first, publisher) = await StartPublisherAsync(host, "rc");
        await using var viewer = await RtmpPeer.ConnectAsync(host.RtmpEndPoint);
        Assert.Equal("NetStream.Play.Reset", await viewer.PlayAsync("rc?txSecret=p&txTime=q"));
        await publisher.RunAsync(1500, CancellationToken.None);
        var stats = host.Stats.GetStream("rc")!;
        output.WriteLine($"viewer before drop: {stats.Viewers[0]}");
        await first.DisposeAsync(); // network drop
        var outage = Environment.TickCount64;
        await Task.Delay(400);
        // What the first publisher got through before its connection dropped (its last in-flight frames may be lost).
        var beforeDrop = Frames(viewer.Drain());
        Assert.NotEmpty(beforeDrop);

        var (second, publisher2) = await StartPublisherAsync(host, "rc");
        await using var __ = second;
        var outageMs = Environment.TickCount64 - outage;
        await publisher2.RunAsync(1100, CancellationToken.None); // timestamps restart at 0
        await Task.Delay(200);

        Assert.False(viewer.Closed, "viewer must stay connected across the publisher's reconnect");
        var afterReconnect = Frames(viewer.Drain());
        var media = beforeDrop.Concat(afterReconnect).ToList();
        foreach (var type in new[] { RtmpMessageType.Audio, RtmpMessageType.Video })
        {
            var ts = media.Where(m => m.Type == type).Select(m => m.Timestamp).ToList();
            output.WriteLine($"{type}: {string.Join(",", ts)}");
            for (var i = 1; i < ts.Count; i++)
            {
                Assert.True(ts[i] >= ts[i - 1], $"{type} timestamp went backwards: {ts[i - 1]} → {ts[i]}");
                // Audio is never dropped, so its largest gap is the outage; video may also have drop gaps.
                if (type == RtmpMessageType.Audio)
                    Assert.True(ts[i] - ts[i - 1] <= outageMs + 200, $"{type} timestamp gap {ts[i] - ts[i - 1]} ms exceeds the outage {outageMs} ms");
            }
        }
        Assert.NotEmpty(afterReconnect);
        Assert.True(afterReconnect[0].Timestamp > beforeDrop[^1].Timestamp, "the new publisher's media continues after the old one's");
        Assert.True(SyntheticMedia.IsKey(afterReconnect.First(m => m.Type == RtmpMessageType.Video)), "video resumes at a key frame");
        output.WriteLine($"outage {outageMs} ms; last ts before {beforeDrop[^1].Timestamp}, first after {afterReconnect[0].Timestamp}");

        static List<Received> Frames(List<Received> messages) =>
            messages.Where(m => m.Type is RtmpMessageType.Audio or RtmpMessageType.Video && SyntheticMedia.IsFrame(m)).ToList();
    }

    [Fact]
    public async Task Viewer_PublisherGonePastHold_GetsUnpublishNotifyAndStreamEof()
    {
        await using var host = await RelayHost.StartAsync(new() { ["Media:UnpublishedHoldMs"] = "500" });
        var (first, publisher) = await StartPublisherAsync(host, "end");
        await using var viewer = await RtmpPeer.ConnectAsync(host.RtmpEndPoint);
        Assert.Equal("NetStream.Play.Reset", await viewer.PlayAsync("end?txSecret=p&txTime=q"));
        await publisher.RunAsync(300, CancellationToken.None);
        await first.DisposeAsync();
        var notify = await viewer.WaitForAsync(m => m.StatusCode == "NetStream.Play.UnpublishNotify", 3000);
        Assert.NotNull(notify);
        var eof = await viewer.WaitForAsync(m => m.Type == RtmpMessageType.UserControl && m.Payload[1] == 1, 1000);
        Assert.Equal(viewer.StreamId, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(eof.Payload.AsSpan(2)));
        await WaitUntilClosedAsync(viewer);
        Assert.Contains(host.Events.OfType<PlayStopped>(), e => e.StreamName == "end" && e.Reason == "unpublished");
    }

    internal static async Task WaitUntilClosedAsync(RtmpPeer client, int timeoutMs = 3000)
    {
        await client.ReadLoop.WaitAsync(TimeSpan.FromMilliseconds(timeoutMs));
    }
}

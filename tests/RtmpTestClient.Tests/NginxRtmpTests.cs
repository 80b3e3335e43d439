using RtmpTestClient.Flv;
using RtmpTestClient.Rtmp;
using RtmpTestClient.Servers;

namespace RtmpTestClient.Tests;

/// <summary>
/// Validates the client against a real RTMP server: Debian's nginx + libnginx-mod-rtmp on loopback.
/// CI installs both (test.sh); on a machine without them the tests are skipped with a message saying so.
/// </summary>
public sealed class NginxRtmpTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [NginxFact]
    public async Task PublishAndPlay_ThroughNginx_PlayerGetsHeadersThenKeyframeAndEveryLaterMessage()
    {
        var file = FlvFile.Load(await TestMedia.EnsureAsync());
        await using var nginx = await NginxRtmpServer.StartAsync();
        var url = $"{nginx.LiveBaseUrl}/s1";

        await using var publisher = await RtmpPublisher.StartAsync(url);
        await using var player = await RtmpPlayer.StartAsync(url);
        await player.WaitForStatusAsync("NetStream.Play.Start", Timeout);
        await publisher.RunAsync(file, new PublishOptions { Duration = TimeSpan.FromSeconds(2.5), Loop = false });
        await Task.Delay(500); // in flight on a busy machine

        var received = player.Recorder.Snapshot();
        var media = received.Where(m => m.Kind is MediaKind.Audio or MediaKind.Video).ToList();
        Assert.Contains(received, m => m.Kind == MediaKind.Script);
        Assert.True(media.Count > 0, $"no media; status: {string.Join(",", player.StatusCodes)}; {nginx.ReadErrorLog()}");
        var firstVideo = media.First(m => m.Kind == MediaKind.Video);
        Assert.True(firstVideo.IsSequenceHeader);
        Assert.True(media.First(m => m.Kind == MediaKind.Video && !m.IsSequenceHeader).IsKeyframe);

        // Every message sent after the player's first keyframe arrives with its original timestamp.
        var sent = publisher.SentMessages();
        var receivedKeys = media.Where(m => !m.IsSequenceHeader).Select(m => (m.Kind, m.Timestamp)).ToHashSet();
        var firstKey = media.First(m => m.IsKeyframe && !m.IsSequenceHeader).Timestamp;
        var expected = sent.Keys.Where(k => k.Timestamp > firstKey + 100).ToList();
        Assert.NotEmpty(expected);
        Assert.All(expected, k => Assert.Contains((k.Kind, k.Timestamp), receivedKeys));
    }

    [NginxFact]
    public async Task Play_UnknownStreamWithIdleStreamsOff_GetsStreamNotFoundOrClose()
    {
        await using var nginx = await NginxRtmpServer.StartAsync();
        await using var player = await RtmpPlayer.StartAsync($"{nginx.LiveBaseUrl}/nobody");
        await player.Closed.WaitAsync(Timeout);
        Assert.Contains("NetStream.Play.StreamNotFound", player.StatusCodes);
    }

    [NginxFact]
    public async Task Publish_SameNameTwice_SecondGetsBadName()
    {
        await using var nginx = await NginxRtmpServer.StartAsync();
        await using var first = await RtmpPublisher.StartAsync($"{nginx.LiveBaseUrl}/taken");
        var refused = await Assert.ThrowsAsync<RtmpStatusException>(() => RtmpPublisher.StartAsync($"{nginx.LiveBaseUrl}/taken"));
        Assert.Equal("NetStream.Publish.BadName", refused.Code);
    }

    [NginxFact]
    public async Task Publisher_Unpublishes_PlayerIsToldTheStreamEnded()
    {
        var file = FlvFile.Load(await TestMedia.EnsureAsync());
        await using var nginx = await NginxRtmpServer.StartAsync();
        var url = $"{nginx.LiveBaseUrl}/bye";
        var publisher = await RtmpPublisher.StartAsync(url);
        await using var player = await RtmpPlayer.StartAsync(url);
        await player.WaitForStatusAsync("NetStream.Play.Start", Timeout);
        await publisher.RunAsync(file, new PublishOptions { Duration = TimeSpan.FromSeconds(0.5) });
        await publisher.UnpublishAsync();
        // nginx-rtmp with idle_streams off sends StreamEOF and closes instead of UnpublishNotify.
        await player.Connection.WaitForStatusAsync(c => c is "NetStream.Play.UnpublishNotify" or "UserControl.StreamEOF", Timeout);
        await player.Closed.WaitAsync(Timeout);
    }

    [NginxFact]
    public async Task ThrottledPlayer_ReadsNoFasterThanItsCap_WhileANormalViewerKeepsUp()
    {
        var file = FlvFile.Load(await TestMedia.EnsureAsync());
        await using var nginx = await NginxRtmpServer.StartAsync();
        var url = $"{nginx.LiveBaseUrl}/capped";
        await using var publisher = await RtmpPublisher.StartAsync(url);
        var cap = (long)(file.BitsPerSecond / 8 / 4);
        await using var normal = await RtmpPlayer.StartAsync(url);
        await using var capped = await RtmpPlayer.StartAsync(url, new RtmpConnectionOptions { ReceiveBufferSize = 8 * 1024, MaxReadBytesPerSecond = cap });
        await publisher.RunAsync(file, new PublishOptions { Duration = TimeSpan.FromSeconds(3) });

        long Bytes(RtmpPlayer p) => p.Recorder.Snapshot().Sum(m => (long)m.Size);
        // The capped viewer's payload bytes stay within its cap over ~3 s (plus one read of slack);
        // the normal viewer gets about four times as much.
        Assert.InRange(Bytes(capped), 1, (long)(cap * 3.5) + 64 * 1024);
        Assert.True(Bytes(normal) > 2 * Bytes(capped), $"normal {Bytes(normal)} vs capped {Bytes(capped)}");
    }
}

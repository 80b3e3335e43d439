using System.Net.Sockets;
using CallMedia.Events;
using CallMedia.Rtmp.Chunks;

namespace CallMedia.Tests.Loopback;

/// <summary>
/// The relay with its RTMP connections read by its own epoll loops (<c>Media:Rtmp:IoLoop=Epoll</c>, the relay
/// process's default on Linux): publish, play, byte-exact media across the receive buffer's size, a publisher that
/// dies mid-message, the idle timeout. (The whole loopback suite also runs this way with <c>RELAY_TEST_IO_LOOP=Epoll</c>.)
/// </summary>
public sealed class EpollRelayTests
{
    private static Task<RelayHost> StartAsync() => RelayHost.StartAsync(new()
    {
        ["Media:Rtmp:IoLoop"] = "Epoll",
        ["Media:Rtmp:IoLoopThreads"] = "2",
        ["Media:HandshakeTimeoutMs"] = "1000",
        ["Media:IdleTimeoutMs"] = "1500",
    });

    [Fact]
    public async Task Listener_SaysItReadsWithEpollLoops()
    {
        await using var host = await StartAsync();
        Assert.Contains(host.Logs.Lines, line => line.Contains("RTMP relay listening on") && line.Contains("epoll loop(s)"));
    }

    [Fact]
    public async Task PublishAndPlay_ViewerGetsEveryPayloadByteExact()
    {
        await using var host = await StartAsync();
        await using var pub = await RtmpPeer.ConnectAsync(host.RtmpEndPoint);
        Assert.Equal("NetStream.Publish.Start", await pub.PublishAsync("epoll?txSecret=x&txTime=y"));
        await using var viewer = await RtmpPeer.ConnectAsync(host.RtmpEndPoint);
        Assert.Equal("NetStream.Play.Reset", await viewer.PlayAsync("epoll?txSecret=p&txTime=q"));
        var publisher = new SyntheticPublisher(pub);
        await publisher.SendHeadersAsync();

        // A key frame larger than the 32 KiB receive buffer, then small frames: every byte reaches the viewer.
        var key = SyntheticMedia.Video(true, 0, 100_000);
        await pub.SendMediaAsync(RtmpMessageType.Video, 0, key);
        var frames = new List<byte[]>();
        for (var i = 1; i <= 50; i++)
        {
            var frame = i % 5 == 0 ? SyntheticMedia.Audio(i, 200) : SyntheticMedia.Video(false, i, 700 + 37 * i);
            frames.Add(frame);
            await pub.SendMediaAsync(i % 5 == 0 ? RtmpMessageType.Audio : RtmpMessageType.Video, (uint)(i * 20), frame);
        }

        // Audio may overtake video in a viewer's queue (audio first, and between the chunks of the large key frame):
        // compare each track in its own order. Sequence headers (payload[1] == 0) are not counted.
        var got = new List<Received>();
        while (got.Count < frames.Count + 1)
            got.Add(await viewer.WaitForAsync(m => m.Type is RtmpMessageType.Video or RtmpMessageType.Audio && m.Payload[1] != 0, 5000));
        Assert.Equal(new[] { key }.Concat(frames.Where((_, i) => (i + 1) % 5 != 0)),
            got.Where(m => m.Type == RtmpMessageType.Video).Select(m => m.Payload));
        Assert.Equal(frames.Where((_, i) => (i + 1) % 5 == 0), got.Where(m => m.Type == RtmpMessageType.Audio).Select(m => m.Payload));
    }

    [Fact]
    public async Task PublisherDyingMidMessage_EndsThePublishOnly()
    {
        await using var host = await StartAsync();
        await using var bystander = await RtmpPeer.ConnectAsync(host.RtmpEndPoint);
        var pub = await RtmpPeer.ConnectAsync(host.RtmpEndPoint);
        Assert.Equal("NetStream.Publish.Start", await pub.PublishAsync("dies?txSecret=x&txTime=y"));
        await new SyntheticPublisher(pub).SendHeadersAsync();
        // The first chunk of a 50 KB video message (128-byte chunks), then the connection is gone.
        var header = new byte[12] { 0x06, 0, 0, 0, 0x00, 0xC3, 0x50, 0x09, 0, 0, 0, 0 };
        BitConverter.TryWriteBytes(header.AsSpan(8), pub.StreamId); // message stream id: little-endian (RTMP spec §5.3.1.2.1)
        await pub.SendRawAsync(header.Concat(new byte[128]).ToArray());
        await pub.DisposeAsync();

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!host.Events.OfType<PublishStopped>().Any(e => e.StreamName == "dies") && DateTime.UtcNow < deadline)
            await Task.Delay(25);
        var stopped = Assert.Single(host.Events.OfType<PublishStopped>(), e => e.StreamName == "dies");
        Assert.Equal("closed", stopped.Reason);
        Assert.False(bystander.Closed);
    }

    [Fact]
    public async Task SilentConnection_IsClosedByTheIdleTimeout()
    {
        await using var host = await StartAsync();
        using var client = await RawSocket.ConnectWithHandshakeAsync(host.RtmpEndPoint);
        // Nothing after the handshake: closed after 1.5–1.9 s (Media:IdleTimeoutMs + its quarter); bounded wait.
        Assert.True(await RawSocket.ServerClosesAsync(client, 10_000));
    }
}

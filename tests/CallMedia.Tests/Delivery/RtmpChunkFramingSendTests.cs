using System.Buffers.Binary;
using System.Net.Sockets;
using CallMedia.Delivery;
using CallMedia.Delivery.Framing;
using CallMedia.Media;
using CallMedia.Rtmp.Chunks;
using CallMedia.Tests.Rtmp;

using static CallMedia.Tests.Delivery.RtmpFramingPeer;

namespace CallMedia.Tests.Delivery;

/// <summary>
/// The RTMP framing's flush over a real loopback pair whose receiver does not read at first: a send the kernel takes in
/// part goes on where it stopped once there is room, and every byte arrives intact and in order.
/// </summary>
public sealed class RtmpChunkFramingSendTests
{
    [Fact]
    public async Task FlushAsync_WhenTheReceiverDoesNotRead_SendsTheRestLater_IntactAndInOrder()
    {
        var (client, server) = await SmallBufferPairAsync();
        using var _ = client;
        using var __ = server;
        var payloads = Enumerable.Range(0, 24).Select(i => LoopbackSockets.Pattern(40_000 + i * 101, seed: 100 + i)).ToArray();
        var items = payloads.Select((p, i) => MediaItem(i == 0 ? FrameClass.KeyFrame : FrameClass.InterFrame, (uint)(i * 40), p)).ToList();
        using var framing = new RtmpChunkFraming(server) { PlayStreamId = 1 };
        var setChunkSize = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(setChunkSize, 4000); // chunk boundaries away from the payload's ends
        Write(framing, DeliveryItem.Control((byte)RtmpMessageType.SetChunkSize, RtmpChunkFraming.ProtocolChunkStream, setChunkSize));
        framing.AdaptTo(1 << 20);
        foreach (var item in items)
            framing.Write(item);

        var flush = framing.FlushAsync(CancellationToken.None);

        // ≈ 1 MB against less than 100 KiB of socket buffers: the kernel took part, the rest waits for room.
        Assert.False(flush.IsCompleted);
        var messages = await ReadMessagesAsync(client, expected: 1 + payloads.Length, TimeSpan.FromSeconds(60));
        Assert.True(await flush);
        foreach (var item in items)
            item.Payload.Release(); // as the writer does: only after the flush completed
        Assert.Equal(RtmpMessageType.SetChunkSize, messages[0].Type);
        Assert.Equal(payloads.Length, messages.Count(m => m.Type == RtmpMessageType.Video));
        for (var i = 0; i < payloads.Length; i++)
            Assert.Equal(payloads[i], messages[1 + i].Payload);
    }

    [Fact]
    public async Task FlushAsync_AfterAPartialSend_TheNextFlushSendsOnlyItsOwnBytes()
    {
        var (client, server) = await SmallBufferPairAsync();
        using var _ = client;
        using var __ = server;
        var first = LoopbackSockets.Pattern(1_000_000, seed: 7);
        var second = LoopbackSockets.Pattern(3_000, seed: 8);
        using var framing = new RtmpChunkFraming(server) { PlayStreamId = 1 };
        var a = MediaItem(FrameClass.KeyFrame, 0, first);
        var b = MediaItem(FrameClass.InterFrame, 40, second);
        framing.Write(a);
        var flush = framing.FlushAsync(CancellationToken.None);
        Assert.False(flush.IsCompleted);
        var reading = ReadMessagesAsync(client, expected: 2, TimeSpan.FromSeconds(60));
        Assert.True(await flush);
        a.Payload.Release();

        Assert.Equal(0, framing.PendingBytes);
        framing.Write(b);
        Assert.True(await framing.FlushAsync(CancellationToken.None));
        b.Payload.Release();

        var messages = await reading;
        Assert.Equal([first, second], messages.Select(m => m.Payload));
    }
}

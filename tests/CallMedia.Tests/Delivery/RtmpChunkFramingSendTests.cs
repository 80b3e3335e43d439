using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using CallMedia.Delivery;
using CallMedia.Delivery.Framing;
using CallMedia.Media;
using CallMedia.Rtmp.Chunks;
using CallMedia.Tests.Rtmp;

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
        var (client, server) = await LoopbackSockets.PairAsync();
        using var _ = client;
        using var __ = server;
        // Fixed socket buffers (no autotuning) far below what is sent; not tiny, or delayed ACKs pace the transfer.
        client.ReceiveBufferSize = 32 * 1024;
        server.SendBufferSize = 16 * 1024;
        server.NoDelay = true; // as the relay's connections
        var payloads = Enumerable.Range(0, 24).Select(i => LoopbackSockets.Pattern(40_000 + i * 101, seed: 100 + i)).ToArray();
        var items = payloads.Select((p, i) => Media(i == 0 ? FrameClass.KeyFrame : FrameClass.InterFrame, (uint)(i * 40), p)).ToList();
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
        var messages = await ReadMessagesAsync(client, expected: 1 + payloads.Length);
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
        var (client, server) = await LoopbackSockets.PairAsync();
        using var _ = client;
        using var __ = server;
        // Fixed socket buffers (no autotuning) far below what is sent; not tiny, or delayed ACKs pace the transfer.
        client.ReceiveBufferSize = 32 * 1024;
        server.SendBufferSize = 16 * 1024;
        server.NoDelay = true; // as the relay's connections
        var first = LoopbackSockets.Pattern(1_000_000, seed: 7);
        var second = LoopbackSockets.Pattern(3_000, seed: 8);
        using var framing = new RtmpChunkFraming(server) { PlayStreamId = 1 };
        var a = Media(FrameClass.KeyFrame, 0, first);
        var b = Media(FrameClass.InterFrame, 40, second);
        framing.Write(a);
        var flush = framing.FlushAsync(CancellationToken.None);
        Assert.False(flush.IsCompleted);
        var reading = ReadMessagesAsync(client, expected: 2);
        Assert.True(await flush);
        a.Payload.Release();

        Assert.Equal(0, framing.PendingBytes);
        framing.Write(b);
        Assert.True(await framing.FlushAsync(CancellationToken.None));
        b.Payload.Release();

        var messages = await reading;
        Assert.Equal([first, second], messages.Select(m => m.Payload));
    }

    private static void Write(RtmpChunkFraming framing, DeliveryItem item)
    {
        framing.Write(item);
        item.Payload.Release();
    }

    private static DeliveryItem Media(FrameClass frameClass, uint ts, byte[] payload)
    {
        var buffer = MediaBuffer.CopyOf(payload);
        var item = DeliveryItem.Media(new MediaPacket(frameClass, ts, buffer), 0);
        buffer.Release(); // the item holds its own reference
        return item;
    }

    private static async Task<List<(RtmpMessageType Type, byte[] Payload)>> ReadMessagesAsync(Socket client, int expected)
    {
        var reader = new ChunkReader(1 << 20);
        var received = new List<byte>();
        var messages = new List<(RtmpMessageType, byte[])>();
        var buffer = new byte[65536];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (messages.Count < expected)
        {
            var n = await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            Assert.True(n > 0, "connection closed early");
            received.AddRange(buffer.AsSpan(0, n));
            var sequence = new SequenceReader<byte>(new ReadOnlySequence<byte>(received.ToArray()));
            while (reader.TryRead(ref sequence, out var m))
            {
                var payload = m.Payload.Span.ToArray();
                m.Payload.Release();
                if (m.Type == RtmpMessageType.SetChunkSize)
                    reader.SetChunkSize(BinaryPrimitives.ReadUInt32BigEndian(payload));
                messages.Add((m.Type, payload));
            }
            received.RemoveRange(0, (int)sequence.Consumed);
        }
        reader.Dispose();
        return messages;
    }
}

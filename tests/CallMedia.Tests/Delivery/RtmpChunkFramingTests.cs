using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using CallMedia.Delivery;
using CallMedia.Delivery.Framing;
using CallMedia.Media;
using CallMedia.Rtmp.Chunks;

namespace CallMedia.Tests.Delivery;

/// <summary>RTMP framing onto a real socket: what a player reads back (chunk sizes announced with Set Chunk Size, RTMP spec §5.4.1).</summary>
public sealed class RtmpChunkFramingTests
{
    [Fact]
    public async Task AdaptTo_ASmallBudget_AnnouncesSmallChunks_ThenTheConnectionsSizeAgain_AndMessagesReassemble()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        using var server = await listener.AcceptAsync();
        var video = new byte[10_000];
        new Random(5).NextBytes(video);
        video[0] = 0x17;

        using (var framing = new RtmpChunkFraming(server) { PlayStreamId = 1 })
        {
            var setChunkSize = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(setChunkSize, 4096);
            Write(framing, DeliveryItem.Control((byte)RtmpMessageType.SetChunkSize, RtmpChunkFraming.ProtocolChunkStream, setChunkSize));
            framing.AdaptTo(4096);                     // a budget below two 4 KiB chunks
            Assert.Equal(RtmpChunkFraming.SmallChunkSize, framing.PieceBytes);
            Write(framing, Media(FrameClass.KeyFrame, 40, video));
            framing.AdaptTo(64 * 1024);                // a viewer that keeps up
            Assert.Equal(4096, framing.PieceBytes);
            Write(framing, Media(FrameClass.KeyFrame, 80, video));
            Assert.True(await framing.FlushAsync(CancellationToken.None));
        }

        var messages = await ReadMessagesAsync(client, expected: 5);
        Assert.Equal(
            [(RtmpMessageType.SetChunkSize, 4096u), (RtmpMessageType.SetChunkSize, 1024u), (RtmpMessageType.Video, 0u),
             (RtmpMessageType.SetChunkSize, 4096u), (RtmpMessageType.Video, 0u)],
            messages.Select(m => (m.Type, m.Type == RtmpMessageType.SetChunkSize ? BinaryPrimitives.ReadUInt32BigEndian(m.Payload) : 0u)));
        Assert.All(messages.Where(m => m.Type == RtmpMessageType.Video), m => Assert.Equal(video, m.Payload));
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
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
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

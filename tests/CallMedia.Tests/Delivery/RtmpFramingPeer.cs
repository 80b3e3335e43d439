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
/// Both ends of the RTMP framing tests over a real socket: items written into the framing, and a player's side that reads
/// the chunk stream back into whole messages (following Set Chunk Size, RTMP spec §5.4.1).
/// </summary>
internal static class RtmpFramingPeer
{
    /// <summary>
    /// A loopback pair with fixed socket buffers (no autotuning) far below a megabyte, so a large flush is taken by the
    /// kernel in part; not tiny, or delayed ACKs pace the transfer. The server side has <c>NoDelay</c>, as the relay's
    /// connections.
    /// </summary>
    public static async Task<(Socket Client, Socket Server)> SmallBufferPairAsync()
    {
        var (client, server) = await LoopbackSockets.PairAsync();
        client.ReceiveBufferSize = 32 * 1024;
        server.SendBufferSize = 16 * 1024;
        server.NoDelay = true;
        return (client, server);
    }

    /// <summary>Writes <paramref name="item"/> and lets go of the caller's reference (the framing holds its own).</summary>
    public static void Write(RtmpChunkFraming framing, DeliveryItem item)
    {
        framing.Write(item);
        item.Payload.Release();
    }

    /// <summary>A media item over a copy of <paramref name="payload"/>; the item holds the only reference.</summary>
    public static DeliveryItem MediaItem(FrameClass frameClass, uint ts, byte[] payload)
    {
        var buffer = MediaBuffer.CopyOf(payload);
        var item = DeliveryItem.Media(new MediaPacket(frameClass, ts, buffer), 0);
        buffer.Release(); // the item holds its own reference
        return item;
    }

    /// <summary>Reads <paramref name="expected"/> whole messages from <paramref name="client"/>, within <paramref name="timeout"/>.</summary>
    public static async Task<List<(RtmpMessageType Type, byte[] Payload)>> ReadMessagesAsync(Socket client, int expected, TimeSpan timeout)
    {
        var reader = new ChunkReader(1 << 20);
        var received = new List<byte>();
        var messages = new List<(RtmpMessageType, byte[])>();
        var buffer = new byte[65536];
        using var deadline = new CancellationTokenSource(timeout);
        while (messages.Count < expected)
        {
            var n = await client.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
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

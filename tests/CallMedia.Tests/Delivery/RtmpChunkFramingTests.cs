using System.Buffers.Binary;
using CallMedia.Delivery;
using CallMedia.Delivery.Framing;
using CallMedia.Media;
using CallMedia.Rtmp.Chunks;
using CallMedia.Tests.Rtmp;

using static CallMedia.Tests.Delivery.RtmpFramingPeer;

namespace CallMedia.Tests.Delivery;

/// <summary>RTMP framing onto a real socket: what a player reads back (chunk sizes announced with Set Chunk Size, RTMP spec §5.4.1).</summary>
public sealed class RtmpChunkFramingTests
{
    [Fact]
    public async Task AdaptTo_ASmallBudget_AnnouncesSmallChunks_ThenTheConnectionsSizeAgain_AndMessagesReassemble()
    {
        var (client, server) = await LoopbackSockets.PairAsync();
        using var clientSocket = client;
        using var serverSocket = server;
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
            Write(framing, MediaItem(FrameClass.KeyFrame, 40, video));
            framing.AdaptTo(64 * 1024);                // a viewer that keeps up
            Assert.Equal(4096, framing.PieceBytes);
            Write(framing, MediaItem(FrameClass.KeyFrame, 80, video));
            Assert.True(await framing.FlushAsync(CancellationToken.None));
        }

        var messages = await ReadMessagesAsync(client, expected: 5, TimeSpan.FromSeconds(10));
        Assert.Equal(
            [(RtmpMessageType.SetChunkSize, 4096u), (RtmpMessageType.SetChunkSize, 1024u), (RtmpMessageType.Video, 0u),
             (RtmpMessageType.SetChunkSize, 4096u), (RtmpMessageType.Video, 0u)],
            messages.Select(m => (m.Type, m.Type == RtmpMessageType.SetChunkSize ? BinaryPrimitives.ReadUInt32BigEndian(m.Payload) : 0u)));
        Assert.All(messages.Where(m => m.Type == RtmpMessageType.Video), m => Assert.Equal(video, m.Payload));
    }

    [Fact]
    public async Task AnnounceAckWindow_FramesAWindowAcknowledgementSize_OnlyWhenTheWindowChanges()
    {
        var (client, server) = await LoopbackSockets.PairAsync();
        using var clientSocket = client;
        using var serverSocket = server;
        var video = new byte[3_000];
        video[0] = 0x17;

        using (var framing = new RtmpChunkFraming(server) { PlayStreamId = 1 })
        {
            var connect = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(connect, LinkEstimator.LargeAckWindowBytes);
            Write(framing, DeliveryItem.Control((byte)RtmpMessageType.WindowAckSize, RtmpChunkFraming.ProtocolChunkStream, connect));
            Assert.False(framing.AnnounceAckWindow(LinkEstimator.LargeAckWindowBytes)); // the connection's own, already said
            Assert.True(framing.AnnounceAckWindow(1024));
            Assert.False(framing.AnnounceAckWindow(1024));
            Write(framing, MediaItem(FrameClass.KeyFrame, 40, video));
            Assert.True(framing.AnnounceAckWindow(LinkEstimator.LargeAckWindowBytes));
            Assert.True(await framing.FlushAsync(CancellationToken.None));
        }

        var messages = await ReadMessagesAsync(client, expected: 4, TimeSpan.FromSeconds(10));
        Assert.Equal(
            [(RtmpMessageType.WindowAckSize, (uint)LinkEstimator.LargeAckWindowBytes), (RtmpMessageType.WindowAckSize, 1024u),
             (RtmpMessageType.Video, 0u), (RtmpMessageType.WindowAckSize, (uint)LinkEstimator.LargeAckWindowBytes)],
            messages.Select(m => (m.Type, m.Type == RtmpMessageType.WindowAckSize ? BinaryPrimitives.ReadUInt32BigEndian(m.Payload) : 0u)));
    }
}

using CallMedia.Rtmp.Chunks;
using CallMedia.Rtmp.Protocol;

namespace CallMedia.Tests.Rtmp;

/// <summary>The header type the writer picks per chunk stream (RTMP spec §5.3.1.2), from what it last wrote on that stream.</summary>
public sealed class ChunkWriterTests
{
    /// <summary>Writes each message alone and returns the fmt bits (the top two bits of the first byte) of its first chunk.</summary>
    private static int[] HeaderTypes(ChunkWriter writer, params (int Csid, RtmpMessageType Type, uint Timestamp, uint StreamId, int Length)[] messages)
    {
        var types = new int[messages.Length];
        for (var i = 0; i < messages.Length; i++)
        {
            var (csid, type, timestamp, streamId, length) = messages[i];
            using var builder = new ChunkOutput();
            writer.Write(builder, csid, type, timestamp, streamId, new ArraySegment<byte>(new byte[length]));
            types[i] = builder.ToArray()[0] >> 6;
        }
        return types;
    }

    [Fact]
    public void EachChunkStream_KeepsItsOwnLastHeader_LowAndHighIds()
    {
        var writer = new ChunkWriter { ChunkSize = 4096 };
        var types = HeaderTypes(writer,
            (4, RtmpMessageType.Audio, 1000, 1, 10),    // first on 4: fmt 0
            (6, RtmpMessageType.Video, 1000, 1, 500),   // first on 6: fmt 0
            (4, RtmpMessageType.Audio, 1023, 1, 10),    // same length and type: fmt 2 (delta 23)
            (6, RtmpMessageType.Video, 1040, 1, 700),   // another length: fmt 1
            (4, RtmpMessageType.Audio, 1046, 1, 10),    // same delta: fmt 3
            (400, RtmpMessageType.Video, 7, 2, 30),     // first on a 3-byte id: fmt 0
            (400, RtmpMessageType.Video, 47, 2, 30),    // fmt 2: the high id's header was kept
            (400, RtmpMessageType.Video, 87, 2, 30),    // fmt 3
            (70, RtmpMessageType.DataAmf0, 5, 1, 0),    // first on a 2-byte id: fmt 0
            (6, RtmpMessageType.Video, 1080, 2, 700),   // another message stream: fmt 0
            (4, RtmpMessageType.Audio, 1000, 1, 10));   // backwards in time: fmt 0
        Assert.Equal([0, 0, 2, 1, 3, 0, 2, 3, 0, 0, 0], types);
    }

    [Fact]
    public void TwoWriters_DoNotShareHeaders()
    {
        var first = new ChunkWriter();
        var second = new ChunkWriter();
        Assert.Equal([0, 2], HeaderTypes(first, (4, RtmpMessageType.Audio, 0, 1, 10), (4, RtmpMessageType.Audio, 23, 1, 10)));
        Assert.Equal([0], HeaderTypes(second, (4, RtmpMessageType.Audio, 46, 1, 10)));
    }
}

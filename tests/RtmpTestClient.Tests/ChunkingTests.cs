using System.Buffers;
using RtmpTestClient.Chunking;

namespace RtmpTestClient.Tests;

public sealed class ChunkingTests
{
    private static RtmpMessage[] Messages()
    {
        var random = new Random(7);
        byte[] Bytes(int n)
        {
            var b = new byte[n];
            random.NextBytes(b);
            return b;
        }
        return
        [
            new(3, 20, 0, 0, Bytes(60)),                 // first on csid 3: type 0
            new(4, 8, 1, 0, Bytes(200)),                 // audio, type 0
            new(4, 8, 1, 21, Bytes(200)),                // same length: type 2 (new delta)
            new(4, 8, 1, 42, Bytes(200)),                // same length and delta: type 3
            new(4, 8, 1, 64, Bytes(201)),                // length changes: type 1
            new(6, 9, 1, 0, Bytes(9000)),                // big video: many continuation chunks
            new(6, 9, 1, 40, Bytes(0)),                  // empty message
            new(6, 9, 1, 0x0100_0000, Bytes(300)),       // delta ≥ 0xFFFFFF: extended timestamp on type 1
            new(6, 9, 1, 0x0100_0028, Bytes(300)),       // same length, new (small) delta: type 2
            new(5, 18, 1, 0x0200_0000, Bytes(5000)),     // type 0 with extended timestamp and continuations
            new(70, 9, 1, 10, Bytes(130)),               // 2-byte basic header
            new(400, 8, 1, 10, Bytes(140)),              // 3-byte basic header
            new(4, 8, 2, 30, Bytes(200)),                // other stream id: type 0 again
            new(4, 8, 2, 10, Bytes(200)),                // timestamp backwards: type 0
        ];
    }

    private static byte[] Write(IEnumerable<RtmpMessage> messages, int chunkSize, bool compress)
    {
        var writer = new ChunkWriter { ChunkSize = chunkSize, CompressHeaders = compress };
        var output = new ArrayBufferWriter<byte>();
        foreach (var message in messages)
            writer.Write(output, message);
        return output.WrittenSpan.ToArray();
    }

    private static List<RtmpMessage> ReadSplit(byte[] bytes, int chunkSize, int split)
    {
        var reader = new ChunkReader { ChunkSize = chunkSize };
        var result = new List<RtmpMessage>();
        var pending = new List<byte>();
        foreach (var part in new[] { bytes[..split], bytes[split..] })
        {
            pending.AddRange(part);
            var sequence = new SequenceReader<byte>(new ReadOnlySequence<byte>(pending.ToArray()));
            while (reader.TryRead(ref sequence, out var message))
                result.Add(message);
            pending.RemoveRange(0, (int)sequence.Consumed);
        }
        Assert.Empty(pending);
        return result;
    }

    private static void AssertSame(IReadOnlyList<RtmpMessage> expected, IReadOnlyList<RtmpMessage> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal((expected[i].ChunkStreamId, expected[i].TypeId, expected[i].StreamId, expected[i].Timestamp),
                (actual[i].ChunkStreamId, actual[i].TypeId, actual[i].StreamId, actual[i].Timestamp));
            Assert.True(expected[i].Payload.Span.SequenceEqual(actual[i].Payload.Span), $"payload of message {i}");
        }
    }

    [Theory]
    [InlineData(128, true)]
    [InlineData(128, false)]
    [InlineData(4096, true)]
    [InlineData(65536, true)]
    public void RoundTrip_SplitAtEveryByteOffset_ReassemblesEveryMessage(int chunkSize, bool compress)
    {
        var messages = Messages();
        var bytes = Write(messages, chunkSize, compress);
        for (var split = 0; split <= bytes.Length; split += bytes.Length > 4000 ? 7 : 1)
            AssertSame(messages, ReadSplit(bytes, chunkSize, split));
    }

    [Fact]
    public void Write_CompressedHeaders_UsesEveryHeaderType()
    {
        var messages = Messages();
        var writer = new ChunkWriter { ChunkSize = 65536 };
        var formats = new List<int>();
        foreach (var message in messages)
        {
            var output = new ArrayBufferWriter<byte>();
            writer.Write(output, message);
            formats.Add(output.WrittenSpan[0] >> 6);
        }
        Assert.Equal([0, 0, 2, 3, 1, 0, 1, 1, 2, 0, 0, 0, 0, 0], formats);
    }

    [Fact]
    public void Write_ExtendedTimestamp_RepeatedOnContinuationChunks()
    {
        var payload = new byte[300];
        var bytes = Write([new RtmpMessage(4, 9, 1, 0x0100_0000, payload)], 128, compress: true);
        // type-0 chunk: 1 + 11 + 4 + 128; continuation: 1 + 4 + 128; last: 1 + 4 + 44
        Assert.Equal(1 + 11 + 4 + 128 + 1 + 4 + 128 + 1 + 4 + 44, bytes.Length);
        Assert.Equal(new byte[] { 0xC4, 0x01, 0x00, 0x00, 0x00 }, bytes[(1 + 11 + 4 + 128)..(1 + 11 + 4 + 128 + 5)]);
    }

    [Fact]
    public void Read_Type3NewMessageAfterType2_RepeatsTheDelta()
    {
        // Hand-built: type 0 at ts 100, type 2 delta 20, type 3 (new message) → ts 140.
        byte[] bytes =
        [
            0x04, 0, 0, 100, 0, 0, 1, 8, 1, 0, 0, 0, 0xAA,
            0x84, 0, 0, 20, 0xBB,
            0xC4, 0xCC,
        ];
        var messages = ReadSplit(bytes, 128, bytes.Length);
        Assert.Equal([100u, 120u, 140u], messages.Select(m => m.Timestamp));
        Assert.Equal([(byte)0xAA, (byte)0xBB, (byte)0xCC], messages.Select(m => m.Payload.Span[0]));
    }

    [Fact]
    public void Read_ChunkSizeChangedBetweenMessages_UsesNewSizeForNextChunk()
    {
        var first = new RtmpMessage(3, 20, 0, 0, new byte[200]);
        var second = new RtmpMessage(3, 20, 0, 0, new byte[5000]);
        var output = new ArrayBufferWriter<byte>();
        var writer = new ChunkWriter { ChunkSize = 128 };
        writer.Write(output, first);
        writer.ChunkSize = 4096;
        writer.Write(output, second);

        var reader = new ChunkReader();
        var sequence = new SequenceReader<byte>(new ReadOnlySequence<byte>(output.WrittenMemory));
        Assert.True(reader.TryRead(ref sequence, out var a));
        reader.ChunkSize = 4096;
        Assert.True(reader.TryRead(ref sequence, out var b));
        Assert.Equal((200, 5000), (a.Payload.Length, b.Payload.Length));
    }

    [Fact]
    public void Read_MessageLongerThanLimit_Throws()
    {
        var bytes = Write([new RtmpMessage(4, 9, 1, 0, new byte[2000])], 128, compress: true);
        var reader = new ChunkReader { MaxMessageLength = 1000 };
        Assert.Throws<InvalidDataException>(() =>
        {
            var sequence = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
            reader.TryRead(ref sequence, out _);
        });
    }

    [Fact]
    public void Read_Type1WithoutPreviousHeader_Throws()
    {
        Assert.Throws<InvalidDataException>(() =>
        {
            var sequence = new SequenceReader<byte>(new ReadOnlySequence<byte>(new byte[] { 0x44, 0, 0, 0, 0, 0, 1, 8, 0 }));
            new ChunkReader().TryRead(ref sequence, out _);
        });
    }
}

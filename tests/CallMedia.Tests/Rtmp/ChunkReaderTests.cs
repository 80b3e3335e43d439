using System.Buffers;
using CallMedia.Rtmp.Chunks;
using CallMedia.Rtmp.Protocol;

namespace CallMedia.Tests.Rtmp;

public sealed class ChunkReaderTests
{
    internal sealed record Msg(int Csid, RtmpMessageType Type, uint Timestamp, uint StreamId, byte[] Payload);

    private static byte[] Payload(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Messages exercising every header type the writer picks, long chunk stream ids, empty and multi-chunk payloads, extended timestamps.</summary>
    internal static List<Msg> SampleMessages() =>
    [
        new(3, RtmpMessageType.CommandAmf0, 0, 0, Payload(40, 1)),
        new(4, RtmpMessageType.Audio, 1000, 1, Payload(130, 2)),
        new(4, RtmpMessageType.Audio, 1023, 1, Payload(130, 3)),   // fmt 2 (same length/type)
        new(4, RtmpMessageType.Audio, 1046, 1, Payload(130, 4)),   // fmt 3 (same delta)
        new(6, RtmpMessageType.Video, 1000, 1, Payload(4200, 5)),  // multi-chunk at 128 and 4096
        new(6, RtmpMessageType.Video, 1040, 1, Payload(17, 6)),    // fmt 1
        new(70, RtmpMessageType.DataAmf0, 5, 1, Payload(0, 7)),    // 2-byte basic header, empty
        new(400, RtmpMessageType.Video, 7, 2, Payload(300, 8)),    // 3-byte basic header
        new(6, RtmpMessageType.Video, 0x01000000, 1, Payload(300, 9)), // extended timestamp, fmt 0 (backwards jump is forward here)
        new(6, RtmpMessageType.Video, 0x01000028, 1, Payload(300, 10)),
        new(8, RtmpMessageType.Video, 0xFFFFFF, 1, Payload(5000, 11)), // exactly 0xFFFFFF needs the extended field
    ];

    internal static byte[] Encode(IEnumerable<Msg> messages, int chunkSize)
    {
        var writer = new ChunkWriter { ChunkSize = chunkSize };
        using var builder = new ChunkOutput();
        foreach (var m in messages)
            writer.Write(builder, m.Csid, m.Type, m.Timestamp, m.StreamId, new ArraySegment<byte>(m.Payload));
        return builder.ToArray();
    }

    private static List<Msg> ReadAll(ChunkReader reader, ReadOnlySequence<byte> input, out long consumed)
    {
        var result = new List<Msg>();
        var sr = new SequenceReader<byte>(input);
        while (reader.TryRead(ref sr, out var m))
        {
            result.Add(new Msg(m.ChunkStreamId, m.Type, m.Timestamp, m.StreamId, m.Payload.Span.ToArray()));
            m.Payload.Release();
        }
        consumed = sr.Consumed;
        return result;
    }

    private static void AssertSame(List<Msg> expected, List<Msg> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Csid, actual[i].Csid);
            Assert.Equal(expected[i].Type, actual[i].Type);
            Assert.Equal(expected[i].Timestamp, actual[i].Timestamp);
            Assert.Equal(expected[i].StreamId, actual[i].StreamId);
            Assert.Equal(expected[i].Payload, actual[i].Payload);
        }
    }

    [Theory]
    [InlineData(128)]
    [InlineData(4096)]
    [InlineData(65536)]
    public void TryRead_SplitAtEveryOffset_YieldsSameMessages(int chunkSize)
    {
        var messages = SampleMessages();
        var bytes = Encode(messages, chunkSize);
        for (var split = 0; split <= bytes.Length; split++)
        {
            using var reader = new ChunkReader(4 * 1024 * 1024);
            reader.SetChunkSize((uint)chunkSize);
            var first = ReadAll(reader, new ReadOnlySequence<byte>(bytes, 0, split), out var consumed);
            var rest = ReadAll(reader, new ReadOnlySequence<byte>(bytes, (int)consumed, bytes.Length - (int)consumed), out var consumed2);
            Assert.Equal(bytes.Length, consumed + consumed2);
            AssertSame(messages, [.. first, .. rest]);
        }
    }

    [Theory]
    [InlineData(128)]
    [InlineData(4096)]
    [InlineData(65536)]
    public void TryRead_TwoSegmentSequenceSplitAtEveryOffset_YieldsSameMessages(int chunkSize)
    {
        var messages = SampleMessages();
        var bytes = Encode(messages, chunkSize);
        for (var split = 1; split < bytes.Length; split += chunkSize == 128 ? 1 : 3)
        {
            using var reader = new ChunkReader(4 * 1024 * 1024);
            reader.SetChunkSize((uint)chunkSize);
            var all = ReadAll(reader, TwoSegments(bytes, split), out var consumed);
            Assert.Equal(bytes.Length, consumed);
            AssertSame(messages, all);
        }
    }

    [Theory]
    [InlineData(128)]
    [InlineData(4096)]
    [InlineData(65536)]
    public void TryRead_ByteByByte_YieldsSameMessages(int chunkSize)
    {
        var messages = SampleMessages().Append(new Msg(9, RtmpMessageType.Video, 5, 1, Payload(70_000, 12))).ToList();
        var bytes = Encode(messages, chunkSize);
        using var reader = new ChunkReader(4 * 1024 * 1024);
        reader.SetChunkSize((uint)chunkSize);
        var result = new List<Msg>();
        var start = 0;
        for (var end = 1; end <= bytes.Length; end++)
        {
            // The input grows one byte at a time; unconsumed bytes stay in place (as in a pipe).
            result.AddRange(ReadAll(reader, new ReadOnlySequence<byte>(bytes, start, end - start), out var consumed));
            start += (int)consumed;
        }
        Assert.Equal(bytes.Length, start);
        AssertSame(messages, result);
    }

    private static ReadOnlySequence<byte> TwoSegments(byte[] bytes, int split)
    {
        var first = new Segment(bytes.AsMemory(0, split));
        var last = first.Append(bytes.AsMemory(split));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }

    [Fact]
    public void TryRead_HandCraftedHeaderTypes0To3_ComputeTimestampsAndInheritFields()
    {
        byte[] bytes =
        [
            0x03, 0x00, 0x03, 0xE8, 0x00, 0x00, 0x04, 0x14, 0x01, 0x00, 0x00, 0x00, 1, 2, 3, 4, // fmt0 ts=1000 len=4 type=20 msid=1
            0x43, 0x00, 0x00, 0x14, 0x00, 0x00, 0x02, 0x09, 5, 6,                               // fmt1 delta=20 len=2 type=9
            0x83, 0x00, 0x00, 0x0A, 7, 8,                                                       // fmt2 delta=10
            0xC3, 9, 10,                                                                        // fmt3: new message, same delta
        ];
        using var reader = new ChunkReader(1 << 20);
        var messages = ReadAll(reader, new ReadOnlySequence<byte>(bytes), out var consumed);
        Assert.Equal(bytes.Length, consumed);
        Assert.Equal(4, messages.Count);
        Assert.Equal((RtmpMessageType.CommandAmf0, 1000u, 1u), (messages[0].Type, messages[0].Timestamp, messages[0].StreamId));
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, messages[0].Payload);
        Assert.Equal((RtmpMessageType.Video, 1020u, 1u), (messages[1].Type, messages[1].Timestamp, messages[1].StreamId));
        Assert.Equal(new byte[] { 5, 6 }, messages[1].Payload);
        Assert.Equal((RtmpMessageType.Video, 1030u, 1u), (messages[2].Type, messages[2].Timestamp, messages[2].StreamId));
        Assert.Equal(new byte[] { 7, 8 }, messages[2].Payload);
        Assert.Equal((RtmpMessageType.Video, 1040u, 1u), (messages[3].Type, messages[3].Timestamp, messages[3].StreamId));
        Assert.Equal(new byte[] { 9, 10 }, messages[3].Payload);
        Assert.All(messages, m => Assert.Equal(3, m.Csid));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TryRead_ExtendedTimestamp_WithOrWithoutFieldOnContinuationChunks(bool fieldOnContinuation)
    {
        var payload = Payload(200, 42);
        var bytes = new List<byte> { 0x04, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0xC8, 0x08, 0x01, 0x00, 0x00, 0x00, 0x12, 0x34, 0x56, 0x78 };
        bytes.AddRange(payload[..128]);
        bytes.Add(0xC4);
        if (fieldOnContinuation)
            bytes.AddRange(new byte[] { 0x12, 0x34, 0x56, 0x78 });
        bytes.AddRange(payload[128..]);

        using var reader = new ChunkReader(1 << 20);
        var messages = ReadAll(reader, new ReadOnlySequence<byte>(bytes.ToArray()), out var consumed);
        Assert.Equal(bytes.Count, consumed);
        var m = Assert.Single(messages);
        Assert.Equal(0x12345678u, m.Timestamp);
        Assert.Equal(payload, m.Payload);
    }

    [Fact]
    public void Write_ExtendedTimestamp_RepeatsFieldOnEveryContinuationChunk()
    {
        var bytes = Encode([new Msg(4, RtmpMessageType.Audio, 0x01020304, 1, Payload(300, 1))], 128);
        // fmt0 (12) + ext (4) + 128 + [0xC4 + ext 4 + 128] + [0xC4 + ext 4 + 44]
        Assert.Equal(12 + 4 + 128 + 5 + 128 + 5 + 44, bytes.Length);
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF }, bytes[1..4]);
        Assert.Equal(new byte[] { 0xC4, 0x01, 0x02, 0x03, 0x04 }, bytes[144..149]);
        Assert.Equal(new byte[] { 0xC4, 0x01, 0x02, 0x03, 0x04 }, bytes[277..282]);
    }

    [Fact]
    public void TryRead_AbortMessage_DiscardsPartialMessage()
    {
        var first = Encode([new Msg(4, RtmpMessageType.Audio, 10, 1, Payload(300, 1))], 128);
        var next = Encode([new Msg(4, RtmpMessageType.Audio, 20, 1, Payload(10, 2))], 128);
        using var reader = new ChunkReader(1 << 20);
        var partial = ReadAll(reader, new ReadOnlySequence<byte>(first, 0, 140), out var consumed);
        Assert.Empty(partial);
        Assert.Equal(140, consumed);
        reader.Abort(4);
        var after = ReadAll(reader, new ReadOnlySequence<byte>(next), out _);
        Assert.Equal(Payload(10, 2), Assert.Single(after).Payload);
    }

    [Theory]
    [InlineData(0u, (int)RtmpRejectReason.ChunkSizeInvalid)]
    [InlineData(0x8000_0000u, (int)RtmpRejectReason.ChunkSizeInvalid)]
    [InlineData(65537u, (int)RtmpRejectReason.ChunkSizeTooLarge)]
    [InlineData(0x7FFF_FFFFu, (int)RtmpRejectReason.ChunkSizeTooLarge)]
    public void SetChunkSize_OutOfRange_IsRejected(uint size, int reason)
    {
        using var reader = new ChunkReader(1 << 20);
        var ex = Assert.Throws<RtmpProtocolException>(() => reader.SetChunkSize(size));
        Assert.Equal((RtmpRejectReason)reason, ex.Reason);
        reader.SetChunkSize(65536);
        Assert.Equal(65536, reader.ChunkSize);
    }

    [Fact]
    public void TryRead_MessageLongerThanLimit_IsRejectedFromTheHeader()
    {
        byte[] header = [0x04, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x08, 1, 0, 0, 0]; // 16 MiB claim
        using var reader = new ChunkReader(4 * 1024 * 1024);
        var ex = Assert.Throws<RtmpProtocolException>(() => ReadAll(reader, new ReadOnlySequence<byte>(header), out _));
        Assert.Equal(RtmpRejectReason.MessageTooLong, ex.Reason);
    }

    [Fact]
    public void TryRead_CompressedHeaderOnUnknownChunkStream_IsRejected()
    {
        using var reader = new ChunkReader(1 << 20);
        var ex = Assert.Throws<RtmpProtocolException>(() => ReadAll(reader, new ReadOnlySequence<byte>(new byte[] { 0x45, 0, 0, 0, 0, 0, 1, 8, 0 }), out _));
        Assert.Equal(RtmpRejectReason.MissingPreviousHeader, ex.Reason);
    }

    [Fact]
    public void TryRead_TooManyHalfReceivedMessages_IsRejected()
    {
        // Nine chunk streams each start a 4 MiB message: each would pin a 4 MiB buffer.
        var bytes = new List<byte>();
        for (var csid = 4; csid < 13; csid++)
        {
            bytes.AddRange(new byte[] { (byte)csid, 0, 0, 0, 0x40, 0x00, 0x00, 0x09, 1, 0, 0, 0 });
            bytes.AddRange(new byte[128]);
        }
        using var reader = new ChunkReader(4 * 1024 * 1024);
        var ex = Assert.Throws<RtmpProtocolException>(() => ReadAll(reader, new ReadOnlySequence<byte>(bytes.ToArray()), out _));
        Assert.Equal(RtmpRejectReason.TooManyChunkStreams, ex.Reason);
    }

    [Fact]
    public void TryRead_ManyCompleteMessagesOnFewChunkStreams_IsFine()
    {
        var messages = Enumerable.Range(0, 50).Select(i => new Msg(3 + i % 3, RtmpMessageType.Audio, (uint)i * 20, 1, Payload(300, i))).ToList();
        using var reader = new ChunkReader(1 << 20);
        var all = ReadAll(reader, new ReadOnlySequence<byte>(Encode(messages, 128)), out _);
        AssertSame(messages, all);
    }

    [Fact]
    public void Writer_InterleavesAudioBetweenChunksOfALargeVideoMessage_ReaderReassemblesBoth()
    {
        var video = Payload(1000, 1);
        var audio = Payload(50, 2);
        var writer = new ChunkWriter { ChunkSize = 128 };
        using var builder = new ChunkOutput();
        var partial = writer.Begin(builder, 6, RtmpMessageType.Video, 0x01000000, 1, new ArraySegment<byte>(video), 200);
        Assert.False(partial.Done);
        Assert.Equal(128, partial.Offset); // whole chunks within 200 bytes of room: one
        writer.Continue(builder, ref partial, 256);
        Assert.Equal(384, partial.Offset); // and two within 256
        writer.Write(builder, 4, RtmpMessageType.Audio, 0x01000000, 1, new ArraySegment<byte>(audio));
        writer.Continue(builder, ref partial, int.MaxValue);
        Assert.True(partial.Done);

        using var reader = new ChunkReader(1 << 20);
        var messages = ReadAll(reader, new ReadOnlySequence<byte>(builder.ToArray()), out _);
        Assert.Equal(2, messages.Count);
        Assert.Equal(RtmpMessageType.Audio, messages[0].Type);
        Assert.Equal(audio, messages[0].Payload);
        Assert.Equal((RtmpMessageType.Video, 0x01000000u), (messages[1].Type, messages[1].Timestamp));
        Assert.Equal(video, messages[1].Payload);
    }
}

using System.Buffers;
using System.IO.Pipelines;
using RtmpTestClient.Flv;

namespace RtmpTestClient.Tests;

public sealed class FlvReaderTests
{
    private static readonly FlvTag[] Tags =
    [
        new(MediaKind.Script, 0, new byte[] { 2, 0, 10, (byte)'o', (byte)'n', (byte)'M', (byte)'e', (byte)'t', (byte)'a', (byte)'D', (byte)'a', (byte)'t', (byte)'a' }),
        new(MediaKind.Video, 0, new byte[] { 0x17, 0, 0, 0, 0, 1, 2, 3 }),
        new(MediaKind.Audio, 0, new byte[] { 0xAF, 0, 0x11, 0x90 }),
        new(MediaKind.Video, 40, new byte[] { 0x17, 1, 0, 0, 0, 9, 9 }),
        new(MediaKind.Audio, 21, new byte[] { 0xAF, 1, 5, 5, 5 }),
        new(MediaKind.Video, 80, new byte[] { 0x27, 1, 0, 0, 0, 7 }),
        new(MediaKind.Video, 0x1234_5678, new byte[] { 0x27, 1, 0, 0, 0 }), // needs the extended timestamp byte
    ];

    private static byte[] BuildFlv()
    {
        var buffer = new ArrayBufferWriter<byte>();
        FlvReader.WriteHeader(buffer, hasAudio: true, hasVideo: true);
        foreach (var tag in Tags)
            FlvReader.WriteTag(buffer, tag);
        return buffer.WrittenSpan.ToArray();
    }

    [Fact]
    public void TryReadTag_WholeFile_ReturnsEveryTagWithKindTimestampAndPayload()
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(BuildFlv()));
        Assert.True(FlvReader.TryReadHeader(ref reader, out var header));
        Assert.Equal(new FlvHeader(1, true, true), header);
        var read = new List<FlvTag>();
        while (FlvReader.TryReadTag(ref reader, out var tag))
            read.Add(tag);

        Assert.Equal(Tags.Length, read.Count);
        for (var i = 0; i < Tags.Length; i++)
        {
            Assert.Equal(Tags[i].Kind, read[i].Kind);
            Assert.Equal(Tags[i].Timestamp, read[i].Timestamp);
            Assert.Equal(Tags[i].Payload.ToArray(), read[i].Payload.ToArray());
        }
        Assert.Equal(0, reader.Remaining);
    }

    [Fact]
    public void TryReadTag_EveryTruncation_NeedsMoreDataWithoutConsuming()
    {
        var bytes = BuildFlv();
        for (var cut = FlvReader.HeaderLength; cut < bytes.Length; cut++)
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes, 0, cut));
            Assert.True(FlvReader.TryReadHeader(ref reader, out _));
            var before = reader.Consumed;
            while (FlvReader.TryReadTag(ref reader, out _))
                before = reader.Consumed;
            Assert.Equal(before, reader.Consumed); // a failed read leaves the position alone
        }
    }

    [Fact]
    public void TryReadHeader_NotFlv_Throws()
    {
        var bytes = BuildFlv();
        bytes[0] = (byte)'X';
        Assert.Throws<InvalidDataException>(() =>
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
            FlvReader.TryReadHeader(ref reader, out _);
        });
    }

    [Fact]
    public async Task ReadAsync_StreamDeliveredInTinyPieces_YieldsAllTags()
    {
        var bytes = BuildFlv();
        var pipe = new Pipe();
        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < bytes.Length; i += 3)
            {
                await pipe.Writer.WriteAsync(bytes.AsMemory(i, Math.Min(3, bytes.Length - i)));
            }
            await pipe.Writer.CompleteAsync();
        });
        FlvHeader? header = null;
        var read = new List<FlvTag>();
        await foreach (var tag in FlvReader.ReadAsync(pipe.Reader, h => header = h))
            read.Add(tag);
        await writer;

        Assert.Equal(new FlvHeader(1, true, true), header);
        Assert.Equal(Tags.Select(t => (t.Kind, t.Timestamp)), read.Select(t => (t.Kind, t.Timestamp)));
    }

    [Fact]
    public void FlvFile_FromTags_SeparatesMetadataSequenceHeadersAndMedia()
    {
        var file = FlvFile.FromTags(new FlvHeader(1, true, true), Tags);
        Assert.NotNull(file.Metadata);
        Assert.Equal(2, file.SequenceHeaders.Count);
        Assert.Equal(4, file.Media.Count);
        Assert.True(file.Media[0].IsKeyframe);
        Assert.False(file.Media[2].IsKeyframe);
    }

    [Theory]
    [InlineData(MediaKind.Video, new byte[] { 0x17, 0 }, true, true)]
    [InlineData(MediaKind.Video, new byte[] { 0x17, 1 }, true, false)]
    [InlineData(MediaKind.Video, new byte[] { 0x27, 1 }, false, false)]
    [InlineData(MediaKind.Video, new byte[] { 0x90, 0x68, 0x76, 0x63, 0x31 }, true, true)] // enhanced RTMP: key + SequenceStart, 'hvc1'
    [InlineData(MediaKind.Video, new byte[] { 0xA1, 0x68, 0x76, 0x63, 0x31 }, false, false)] // enhanced RTMP: inter + CodedFrames
    [InlineData(MediaKind.Audio, new byte[] { 0xAF, 0 }, false, true)]
    [InlineData(MediaKind.Audio, new byte[] { 0xAF, 1 }, false, false)]
    [InlineData(MediaKind.Audio, new byte[] { 0x2F, 0 }, false, false)] // MP3 has no sequence header
    public void MediaPayload_Classifies(MediaKind kind, byte[] payload, bool keyframe, bool sequenceHeader)
    {
        Assert.Equal(keyframe, MediaPayload.IsKeyframe(kind, payload));
        Assert.Equal(sequenceHeader, MediaPayload.IsSequenceHeader(kind, payload));
    }
}

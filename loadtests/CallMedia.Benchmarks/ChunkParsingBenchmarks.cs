using System.Buffers;
using BenchmarkDotNet.Attributes;
using CallMedia.Rtmp.Chunks;

namespace CallMedia.Benchmarks;

/// <summary>
/// Parsing one second of a call-shaped stream (48 AAC frames of 170 B, 24 inter frames of 2.7 KB and a 19 KB key
/// frame, as the test media: 640×360 H.264 + AAC at ≈ 616 kbit/s) from the wire, at the default chunk size and at
/// the 4096 that publishers set. Per operation = one second of media (73 messages).
/// </summary>
[MemoryDiagnoser]
public class ChunkParsingBenchmarks
{
    private byte[] _wire = [];
    private ChunkReader _reader = null!;

    [Params(128, 4096)]
    public int ChunkSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var writer = new ChunkWriter { ChunkSize = ChunkSize };
        using var builder = new ChunkOutput();
        var audio = new byte[170];
        var inter = new byte[2_700];
        var key = new byte[19_000];
        audio[0] = 0xAF; audio[1] = 1;
        inter[0] = 0x27; inter[1] = 1;
        key[0] = 0x17; key[1] = 1;
        uint audioTs = 0, videoTs = 0;
        for (var frame = 0; frame < 25; frame++)
        {
            var payload = frame == 0 ? key : inter;
            writer.Write(builder, 6, RtmpMessageType.Video, videoTs, 1, new ArraySegment<byte>(payload));
            videoTs += 40;
            while (audioTs < videoTs && audioTs < 1000)
            {
                writer.Write(builder, 4, RtmpMessageType.Audio, audioTs, 1, new ArraySegment<byte>(audio));
                audioTs += 21;
            }
        }
        _wire = builder.ToArray();
        _reader = new ChunkReader(4 * 1024 * 1024);
        _reader.SetChunkSize((uint)ChunkSize);
    }

    [GlobalCleanup]
    public void Cleanup() => _reader.Dispose();

    /// <summary>Parses the second of media; returns the message count (73).</summary>
    [Benchmark]
    public int ParseOneSecond()
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(_wire));
        var count = 0;
        while (_reader.TryRead(ref reader, out var message))
        {
            message.Payload.Release();
            count++;
        }
        return count;
    }
}

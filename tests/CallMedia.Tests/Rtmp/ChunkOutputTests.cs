using CallMedia.Rtmp.Chunks;

namespace CallMedia.Tests.Rtmp;

/// <summary>The contiguous output of a flush: headers and payloads in order, growing, and what it keeps between flushes.</summary>
public sealed class ChunkOutputTests
{
    private static byte[] Bytes(int length, int seed) => Enumerable.Range(0, length).Select(i => (byte)((i * 31 + seed) % 251)).ToArray();

    [Fact]
    public void HeadersAndPayloads_AreWrittenInOrder_AcrossGrowth()
    {
        using var output = new ChunkOutput();
        var expected = new List<byte>();
        for (var m = 0; m < 6; m++)
        {
            var header = output.GetSpan(12);
            header.Fill((byte)(0xA0 + m));
            output.Advance(5); // only part of the span is committed
            expected.AddRange(Enumerable.Repeat((byte)(0xA0 + m), 5));
            var payload = Bytes(m * 3_000, m);
            output.AddPayload(new ArraySegment<byte>(payload, 0, payload.Length));
            expected.AddRange(payload);
        }
        Assert.Equal(expected.Count, output.TotalBytes);
        Assert.Equal(expected.ToArray(), output.Written.ToArray());
        Assert.Equal(expected.ToArray(), output.ToArray());
        Assert.True(output.Capacity >= expected.Count);
    }

    [Fact]
    public void AnOffsetSegment_CopiesOnlyItsBytes()
    {
        using var output = new ChunkOutput();
        var payload = Bytes(100, 7);
        output.AddPayload(new ArraySegment<byte>(payload, 10, 20));
        output.AddPayload(new ArraySegment<byte>(payload, 0, 0));
        Assert.Equal(payload[10..30], output.Written.ToArray());
    }

    [Fact]
    public void Reset_GivesTheBufferBack_AndTheNextWriteStartsAfresh()
    {
        using var output = new ChunkOutput();
        Assert.Equal(0, output.Capacity);
        output.AddPayload(new ArraySegment<byte>(Bytes(1_000, 1)));
        Assert.InRange(output.Capacity, 1_000, 4096);
        output.Reset();
        Assert.Equal(0, output.TotalBytes);
        Assert.Equal(0, output.Capacity);

        output.AddPayload(new ArraySegment<byte>(Bytes(40_000, 2)));
        Assert.True(output.Capacity >= 40_000);
        output.Reset();
        Assert.Equal(0, output.Capacity);

        var again = Bytes(300, 3);
        output.AddPayload(new ArraySegment<byte>(again));
        Assert.Equal(again, output.Written.ToArray());
    }

    [Fact]
    public void Detach_HandsOverTheBufferWithWhatWasWritten_AndLeavesTheOutputEmpty()
    {
        using var output = new ChunkOutput();
        var payload = Bytes(5_000, 4);
        output.AddPayload(new ArraySegment<byte>(payload));

        var buffer = output.Detach(out var length);

        Assert.Equal(5_000, length);
        Assert.Equal(payload, buffer.AsSpan(0, length).ToArray());
        Assert.Equal(0, output.TotalBytes);
        Assert.Equal(0, output.Capacity); // the taker owns the array now: a later write rents another
        output.AddPayload(new ArraySegment<byte>(Bytes(10, 5)));
        Assert.NotSame(buffer, output.Detach(out _));
        System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
    }
}

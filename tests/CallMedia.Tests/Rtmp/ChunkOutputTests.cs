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
        Assert.InRange(output.Capacity, 1_000, ChunkOutput.ScratchBytes);
        output.Reset();
        Assert.Equal(0, output.TotalBytes);
        Assert.Equal(0, output.Capacity);

        output.AddPayload(new ArraySegment<byte>(Bytes(100_000, 2))); // past the scratch: from the pool
        Assert.True(output.Capacity >= 100_000);
        output.Reset();
        Assert.Equal(0, output.Capacity);

        var again = Bytes(300, 3);
        output.AddPayload(new ArraySegment<byte>(again));
        Assert.Equal(again, output.Written.ToArray());
    }

    [Fact]
    public void Detach_HandsOverWhatWasWrittenFromAnOffset_AndLeavesTheOutputEmpty() => OnAFreshThread(() =>
    {
        using var output = new ChunkOutput();
        var payload = Bytes(100_000, 4); // past the scratch: a rented buffer
        output.AddPayload(new ArraySegment<byte>(payload));

        var buffer = output.Detach(0, out var length); // nothing sent yet: the rented buffer itself

        Assert.Equal(100_000, length);
        Assert.Equal(payload, buffer.AsSpan(0, length).ToArray());
        Assert.Equal(0, output.TotalBytes);
        Assert.Equal(0, output.Capacity); // the taker owns the array now: a later write takes another
        output.AddPayload(new ArraySegment<byte>(Bytes(10, 5)));
        var rest = output.Detach(4, out var restLength); // the kernel took 4 bytes: the other 6 from index 0
        Assert.Equal(Bytes(10, 5)[4..], rest.AsSpan(0, restLength).ToArray());
        Assert.NotSame(buffer, rest);
        System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        System.Buffers.ArrayPool<byte>.Shared.Return(rest);
    });

    [Fact]
    public void TheThreadsScratch_IsLentToOneOutputAtATime_AndLentAgainAfterReset() => OnAFreshThread(() =>
    {
        using var first = new ChunkOutput();
        using var second = new ChunkOutput();
        var a = Bytes(2_000, 6);
        var b = Bytes(3_000, 7);
        first.AddPayload(new ArraySegment<byte>(a));
        second.AddPayload(new ArraySegment<byte>(b)); // the scratch is lent to the first: the second rents
        Assert.True(first.HoldsScratch);
        Assert.False(second.HoldsScratch);
        Assert.Equal(a, first.Written.ToArray());
        Assert.Equal(b, second.Written.ToArray());

        first.Reset();
        second.Reset();
        Assert.False(first.HoldsScratch);
        using var third = new ChunkOutput();
        third.AddPayload(new ArraySegment<byte>(b));
        Assert.True(third.HoldsScratch);
        Assert.Equal(b, third.Written.ToArray());
    });

    [Fact]
    public void Detach_OfTheScratch_HandsOverACopy_AndGivesTheScratchBack() => OnAFreshThread(() =>
    {
        using var output = new ChunkOutput();
        var payload = Bytes(1_500, 8);
        output.AddPayload(new ArraySegment<byte>(payload));
        Assert.True(output.HoldsScratch);

        var buffer = output.Detach(0, out var length);

        Assert.Equal(payload, buffer.AsSpan(0, length).ToArray());
        Assert.False(output.HoldsScratch);
        using var next = new ChunkOutput();
        next.AddPayload(new ArraySegment<byte>(Bytes(1_500, 9)));
        Assert.True(next.HoldsScratch); // given back, and lent again
        Assert.Equal(payload, buffer.AsSpan(0, length).ToArray()); // the taker's bytes are a copy: untouched by the next write
        next.AddPayload(new ArraySegment<byte>(Bytes(ChunkOutput.ScratchBytes, 10))); // past the scratch: rented, copied over
        Assert.False(next.HoldsScratch);
        using var after = new ChunkOutput();
        after.AddPayload(new ArraySegment<byte>(Bytes(10, 11)));
        Assert.True(after.HoldsScratch);
        System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
    });

    /// <summary>Runs <paramref name="body"/> on a thread of its own: its scratch is not the test runner's.</summary>
    private static void OnAFreshThread(Action body)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { body(); }
            catch (Exception ex) { failure = ex; }
        });
        thread.Start();
        thread.Join();
        if (failure is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
    }
}

using System.Buffers;
using CallMedia.Media;
using CallMedia.Rtmp.Chunks;
using CallMedia.Rtmp.Io;
using CallMedia.Rtmp.Session;

namespace CallMedia.Tests.Rtmp;

/// <summary>
/// Messages that arrive in one chunk are taken in place: their payloads are slices of the connection's receive buffer
/// (<see cref="MediaBuffer.Slice"/>), and the input never writes over bytes a live slice holds.
/// </summary>
public sealed class InPlaceParsingTests : IDisposable
{
    private readonly EpollLoop _loop = new("test epoll");

    public void Dispose() => _loop.Dispose();

    [Theory]
    [InlineData(128)]
    [InlineData(4096)]
    public void TryRead_WithABackingBuffer_SlicesSingleChunkMessages_CopiesTheOthers_SameMessages(int chunkSize)
    {
        var messages = ChunkReaderTests.SampleMessages();
        var encoded = ChunkReaderTests.Encode(messages, chunkSize);
        const int start = 10;
        var backing = MediaBuffer.Rent(start + encoded.Length);
        encoded.CopyTo(backing.Array, start);
        var reader = new ChunkReader(1 << 20);
        reader.SetChunkSize((uint)chunkSize);
        reader.ReadFrom(backing, start);
        var sequence = new SequenceReader<byte>(new ReadOnlySequence<byte>(backing.Array, start, encoded.Length));
        var read = new List<RtmpMessage>();
        while (reader.TryRead(ref sequence, out var message))
            read.Add(message);
        reader.ReadFrom(null, 0);

        Assert.Equal(messages.Count, read.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            Assert.Equal(messages[i].Payload, read[i].Payload.Span.ToArray());
            var inOneChunk = messages[i].Payload.Length <= chunkSize;
            Assert.Equal(inOneChunk, ReferenceEquals(read[i].Payload.Array, backing.Array));
        }
        Assert.True(backing.IsShared); // the slices hold it
        foreach (var message in read)
            message.Payload.Release();
        Assert.False(backing.IsShared);
        backing.Release();
        reader.Dispose();
    }

    [Fact]
    public async Task SocketInput_WhileASliceLives_LaterReadsNeverOverwriteIt()
    {
        var (client, server) = await LoopbackSockets.PairAsync();
        using var _ = client;
        using var __ = server; // disposed after the input (declared later), which holds its handle
        using var input = new SocketInput(server, 8192, _loop.Register(server)) { Streaming = true };
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var first = LoopbackSockets.Pattern(1000, seed: 1);
        await client.SendAsync(first);
        while (input.Buffered.Length < first.Length)
            Assert.True(await input.ReceiveAsync(cts.Token));
        var (buffer, start) = input.BufferedIn;
        var slice = MediaBuffer.Slice(buffer!, start, first.Length); // as the chunk reader takes a message
        input.Consume(first.Length);

        // Far more than the buffer, in pieces: the input reads on after the slice, then moves to new buffers.
        var rest = LoopbackSockets.Pattern(100_000, seed: 2);
        var sending = Task.Run(async () =>
        {
            for (var at = 0; at < rest.Length; at += 3000)
                await client.SendAsync(rest.AsMemory(at, Math.Min(3000, rest.Length - at)));
        });
        var got = new List<byte>();
        while (got.Count < rest.Length)
        {
            if (input.Buffered.Length == 0)
                Assert.True(await input.ReceiveAsync(cts.Token));
            got.AddRange(input.Buffered.ToArray());
            input.Consume(input.Buffered.Length);
        }
        await sending;

        Assert.Equal(rest, got.ToArray());
        Assert.Equal(first, slice.Span.ToArray());
        slice.Release();
    }

    [Fact]
    public async Task SocketInput_WithNoSliceAlive_ReadsIntoTheSameBufferAgain()
    {
        var (client, server) = await LoopbackSockets.PairAsync();
        using var _ = client;
        using var __ = server;
        using var input = new SocketInput(server, 8192, _loop.Register(server)) { Streaming = true };
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await client.SendAsync(LoopbackSockets.Pattern(500, seed: 3));
        while (input.Buffered.Length < 500)
            Assert.True(await input.ReceiveAsync(cts.Token));
        var (buffer, _) = input.BufferedIn;
        input.Consume(500);

        var next = LoopbackSockets.Pattern(700, seed: 4);
        await client.SendAsync(next);
        while (input.Buffered.Length < next.Length)
            Assert.True(await input.ReceiveAsync(cts.Token));

        var (again, start) = input.BufferedIn;
        Assert.Same(buffer, again);
        Assert.Equal(0, start); // from the start: nothing handed out lived in it
        Assert.Equal(next, input.Buffered.ToArray());
    }
}

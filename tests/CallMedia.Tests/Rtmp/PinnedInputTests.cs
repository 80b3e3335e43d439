using System.Buffers;
using System.Net.Sockets;
using CallMedia.Rtmp.Chunks;
using CallMedia.Rtmp.Io;
using CallMedia.Rtmp.Protocol;
using CallMedia.Rtmp.Session;

namespace CallMedia.Tests.Rtmp;

/// <summary>
/// What messages parsed in place can pin: a held slice keeps its whole receive buffer, so the input stops slicing
/// (copies) while the buffers it left behind with slices in them hold <see cref="SocketInput.MaxRetiredBytes"/>.
/// The connection is parsed as <c>RtmpSession</c> does it (<see cref="SocketInput.BufferedIn"/> →
/// <see cref="ChunkReader.ReadFrom"/>), over a real loopback pair, with .NET's socket engine and with an <see cref="EpollLoop"/>.
/// </summary>
public sealed class PinnedInputTests : IDisposable
{
    private const int InputBufferBytes = 32 * 1024; // RtmpSession's
    private const int ChunkSize = 4096;
    private const int Rounds = 300;
    private const int TinyLength = 16;
    private const int LargeLength = 30_000;

    private readonly EpollLoop _loop = new("test epoll");

    public void Dispose() => _loop.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TinyMessagesBetweenLargeOnes_HeldByAStuckViewer_PinAtMostTheCap(bool epoll)
    {
        // A publisher puts a 16-byte audio message (one chunk: parsed in place) between 30,000-byte video messages
        // (8 chunks: copied, released at once); a viewer that never drains holds every audio message.
        var messages = new List<ChunkReaderTests.Msg>();
        for (var i = 0; i < Rounds; i++)
        {
            messages.Add(new(4, RtmpMessageType.Audio, (uint)i, 1, LoopbackSockets.Pattern(TinyLength, seed: i)));
            messages.Add(new(6, RtmpMessageType.Video, (uint)i, 1, LoopbackSockets.Pattern(LargeLength, seed: 10_000 + i)));
        }
        var (client, server) = await LoopbackSockets.PairAsync();
        using var _ = client;
        using var __ = server; // disposed after the input (declared later), which holds its handle
        using var input = new SocketInput(server, InputBufferBytes, epoll ? _loop.Register(server) : null) { Streaming = true };
        using var reader = new ChunkReader(1 << 20);
        reader.SetChunkSize(ChunkSize);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var sending = SendAsync(client, ChunkReaderTests.Encode(messages, ChunkSize));

        var held = new List<RtmpMessage>();
        var parsed = 0;
        long maxPinned = 0, maxRetired = 0;
        while (parsed < messages.Count)
        {
            Assert.True(await input.ReceiveAsync(cts.Token));
            parsed += Parse(input, reader, held);
            maxPinned = Math.Max(maxPinned, PinnedBytes(held));
            maxRetired = Math.Max(maxRetired, input.RetiredBytes);
        }
        await sending;

        Assert.Equal(Rounds, held.Count);
        for (var i = 0; i < Rounds; i++)
            Assert.Equal(messages[2 * i].Payload, held[i].Payload.Span.ToArray());
        // Without the cap every audio message pins a buffer of its own: ≈ 300 × 32 KiB.
        Assert.InRange(maxPinned, 0, SocketInput.MaxRetiredBytes + 2 * InputBufferBytes);
        Assert.InRange(maxRetired, 0, SocketInput.MaxRetiredBytes + InputBufferBytes);
        Assert.True(held.Count(m => m.Payload.Array.Length >= InputBufferBytes) < Rounds / 2, "most audio messages were copied");

        // The viewer drains: the buffers are freed and the next message is parsed in place again.
        foreach (var message in held)
            message.Payload.Release();
        held.Clear();
        var last = new ChunkReaderTests.Msg(4, RtmpMessageType.Audio, Rounds, 1, LoopbackSockets.Pattern(TinyLength, seed: -1));
        var lastBytes = ChunkReaderTests.Encode([last], ChunkSize);
        await client.SendAsync(lastBytes);
        while (held.Count == 0)
        {
            Assert.True(await input.ReceiveAsync(cts.Token));
            Parse(input, reader, held);
        }
        Assert.Equal(0, input.RetiredBytes);
        Assert.Equal(last.Payload, held[0].Payload.Span.ToArray());
        Assert.True(held[0].Payload.Array.Length >= InputBufferBytes, "parsed in place (a slice of the receive buffer)");
        held[0].Payload.Release();
    }

    /// <summary>Parses what is complete as the session does; keeps audio (the stuck viewer's queue), releases the rest.</summary>
    private static int Parse(SocketInput input, ChunkReader reader, List<RtmpMessage> held)
    {
        var (buffer, start) = input.BufferedIn;
        reader.ReadFrom(buffer, start);
        var sequence = new SequenceReader<byte>(input.Buffered);
        var count = 0;
        while (reader.TryRead(ref sequence, out var message))
        {
            count++;
            if (message.Type == RtmpMessageType.Audio)
                held.Add(message);
            else
                message.Payload.Release();
        }
        reader.ReadFrom(null, 0);
        input.Consume(sequence.Consumed);
        return count;
    }

    /// <summary>The bytes of the distinct arrays the held payloads keep alive (a slice keeps its whole receive buffer).</summary>
    private static long PinnedBytes(List<RtmpMessage> held) =>
        held.Select(m => m.Payload.Array).Distinct().Sum(a => (long)a.Length);

    private static Task SendAsync(Socket client, byte[] bytes) => Task.Run(async () =>
    {
        for (var at = 0; at < bytes.Length; at += 65536)
            await client.SendAsync(bytes.AsMemory(at, Math.Min(65536, bytes.Length - at)));
    });
}

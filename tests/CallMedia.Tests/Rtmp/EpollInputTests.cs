using System.Buffers;
using System.Net.Sockets;
using CallMedia.Rtmp.Io;
using CallMedia.Rtmp.Session;

namespace CallMedia.Tests.Rtmp;

/// <summary>
/// <see cref="SocketInput"/> over the relay's own epoll loop (<see cref="EpollLoop"/>, <see cref="SocketReadiness"/>),
/// on real loopback sockets: every byte arrives once and in order whatever the peer's write sizes, a read that fills the
/// buffer is followed by another, the peer's close and cancellation end a wait. Linux (the loop's platform, as the suite).
/// </summary>
public sealed class EpollInputTests : IDisposable
{
    private readonly EpollLoop _loop = new("test epoll");

    public void Dispose() => _loop.Dispose();

    /// <summary>Receives until <paramref name="count"/> bytes were taken (consuming as it goes) or the peer closed.</summary>
    private static async Task<byte[]> ReadAsync(SocketInput input, int count, int timeoutMs = 10_000)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        var got = new List<byte>();
        while (got.Count < count)
        {
            if (input.Buffered.Length == 0 && !await input.ReceiveAsync(cts.Token))
                break;
            var take = (int)Math.Min(input.Buffered.Length, count - got.Count);
            got.AddRange(input.Buffered.Slice(0, take).ToArray());
            input.Consume(take);
        }
        return got.ToArray();
    }

    [Fact]
    public async Task BytesSplitAcrossWrites_ArriveOnceAndInOrder()
    {
        var (client, server) = await LoopbackSockets.PairAsync();
        using var _ = client;
        using var __ = server; // disposed after the input (declared later), which holds its handle
        using var input = new SocketInput(server, 256, _loop.Register(server));
        var data = LoopbackSockets.Pattern(5000, 1);
        var reading = ReadAsync(input, data.Length);
        // Odd sizes and pauses: the reader waits on readiness between them, and a message spans its 256-byte buffer.
        foreach (var (from, length) in new[] { (0, 1), (1, 10), (11, 300), (311, 4000), (4311, 689) })
        {
            await client.SendAsync(data.AsMemory(from, length));
            await Task.Delay(20);
        }
        Assert.Equal(data, await reading);
        Assert.Equal(1, _loop.Count);
        input.Dispose();
        Assert.Equal(0, _loop.Count);
    }

    [Fact]
    public async Task MoreThanTheBuffer_IsReadWithoutLosingTheRest()
    {
        var (client, server) = await LoopbackSockets.PairAsync();
        using var _ = client;
        using var __ = server; // disposed after the input (declared later), which holds its handle
        // A streaming reader keeps its buffer: one edge-triggered event for 200 KB, read in buffer-sized steps.
        using var input = new SocketInput(server, 4096, _loop.Register(server)) { Streaming = true };
        var data = LoopbackSockets.Pattern(200_000, 2);
        await client.SendAsync(data);
        Assert.Equal(data, await ReadAsync(input, data.Length));
    }

    [Fact]
    public async Task UnconsumedMessageLargerThanTheBuffer_GrowsTheBuffer()
    {
        var (client, server) = await LoopbackSockets.PairAsync();
        using var _ = client;
        using var __ = server; // disposed after the input (declared later), which holds its handle
        using var input = new SocketInput(server, 1024, _loop.Register(server)) { Streaming = true };
        var data = LoopbackSockets.Pattern(10_000, 3);
        await client.SendAsync(data);
        // Nothing consumed (a chunk not complete yet): the buffer doubles until the whole message is buffered.
        using var cts = new CancellationTokenSource(10_000);
        while (input.Buffered.Length < data.Length)
            Assert.True(await input.ReceiveAsync(cts.Token));
        Assert.Equal(data, input.Buffered.ToArray());
    }

    [Fact]
    public async Task PeerClosingMidMessage_GivesTheBytesThenTheEnd()
    {
        var (client, server) = await LoopbackSockets.PairAsync();
        var input = new SocketInput(server, 512, _loop.Register(server));
        var data = LoopbackSockets.Pattern(700, 4);
        await client.SendAsync(data);
        client.Close();
        var got = await ReadAsync(input, 10_000);
        Assert.Equal(data, got);
        Assert.False(await input.ReceiveAsync(CancellationToken.None));
        input.Dispose(); // before the socket: it holds the socket's handle
        server.Dispose();
    }

    [Fact]
    public async Task Cancellation_EndsAWaitingReceive()
    {
        var (client, server) = await LoopbackSockets.PairAsync();
        using var _ = client;
        using var __ = server; // disposed after the input (declared later), which holds its handle
        using var input = new SocketInput(server, 512, _loop.Register(server));
        using var cts = new CancellationTokenSource();
        var receive = input.ReceiveAsync(cts.Token).AsTask();
        await Task.Delay(50);
        Assert.False(receive.IsCompleted);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receive.WaitAsync(TimeSpan.FromSeconds(10)));
        // The registration still works after a cancelled wait.
        await client.SendAsync(new byte[] { 7, 8, 9 });
        Assert.Equal(new byte[] { 7, 8, 9 }, await ReadAsync(input, 3));
    }

    [Fact]
    public async Task ManyConnectionsOnTwoLoops_EachGetsItsOwnBytes()
    {
        using var loops = new EpollLoops(2);
        var pairs = new List<(Socket Client, Socket Server, SocketInput Input, byte[] Data)>();
        for (var i = 0; i < 64; i++)
        {
            var (client, server) = await LoopbackSockets.PairAsync();
            pairs.Add((client, server, new SocketInput(server, 512, loops.Register(server)), LoopbackSockets.Pattern(3000 + i, 100 + i)));
        }
        var reads = pairs.Select(p => ReadAsync(p.Input, p.Data.Length)).ToArray();
        // Interleaved writes: every connection's events arrive while the others are being read.
        for (var offset = 0; offset < 3100; offset += 700)
        {
            foreach (var p in pairs)
            {
                if (offset < p.Data.Length)
                    await p.Client.SendAsync(p.Data.AsMemory(offset, Math.Min(700, p.Data.Length - offset)));
            }
        }
        var results = await Task.WhenAll(reads);
        for (var i = 0; i < pairs.Count; i++)
            Assert.Equal(pairs[i].Data, results[i]);
        foreach (var p in pairs)
        {
            p.Input.Dispose();
            p.Client.Dispose();
            p.Server.Dispose();
        }
    }
    [Fact]
    public async Task SlotsOfClosedConnections_AreReused_AndNewConnectionsGetOnlyTheirBytes()
    {
        // More connections than the loop's first slot table (64) holds, half of them closed, then as many new ones: the
        // table grows, freed slots are taken again (with another generation) and each reader gets its own bytes.
        var first = new List<(Socket Client, Socket Server, SocketInput Input)>();
        for (var i = 0; i < 100; i++)
        {
            var (client, server) = await LoopbackSockets.PairAsync();
            first.Add((client, server, new SocketInput(server, 512, _loop.Register(server))));
        }
        Assert.Equal(100, _loop.Count);
        for (var i = 0; i < 100; i += 2)
        {
            first[i].Input.Dispose();
            first[i].Client.Dispose();
            first[i].Server.Dispose();
        }
        Assert.Equal(50, _loop.Count);
        var second = new List<(Socket Client, Socket Server, SocketInput Input)>();
        for (var i = 0; i < 50; i++)
        {
            var (client, server) = await LoopbackSockets.PairAsync();
            second.Add((client, server, new SocketInput(server, 512, _loop.Register(server))));
        }
        Assert.Equal(100, _loop.Count);
        var all = first.Where((_, i) => i % 2 == 1).Concat(second).ToList();
        var data = all.Select((_, i) => LoopbackSockets.Pattern(1000 + i, 500 + i)).ToList();
        var reads = all.Select((p, i) => ReadAsync(p.Input, data[i].Length)).ToArray();
        for (var i = 0; i < all.Count; i++)
            await all[i].Client.SendAsync(data[i]);
        var results = await Task.WhenAll(reads);
        for (var i = 0; i < all.Count; i++)
            Assert.Equal(data[i], results[i]);
        foreach (var p in all)
        {
            p.Input.Dispose();
            p.Client.Dispose();
            p.Server.Dispose();
        }
        Assert.Equal(0, _loop.Count);
    }
}

using System.Buffers;
using System.Net.Sockets;
using CallMedia.Rtmp.Io;
using CallMedia.Rtmp.Session;

namespace CallMedia.Tests.Rtmp;

/// <summary>
/// <see cref="SocketInput.ConsumeInline"/> on the relay's epoll loop, over real loopback sockets: while the consumer takes
/// the bytes the pending receive stays pending (no continuation per wake-up), it completes when the consumer hands over,
/// when the peer closes, or with what the consumer threw.
/// </summary>
public sealed class EpollInlineConsumerTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private readonly EpollLoop _loop = new("test epoll");

    public void Dispose() => _loop.Dispose();


    private static async Task WaitUntil(Func<bool> condition)
    {
        var until = DateTime.UtcNow + Bound;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, "condition not reached");
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task ConsumerTakesTheBytes_TheReceiveCompletesOnlyWhenItHandsOver()
    {
        var (client, server) = await LoopbackSockets.PairAsync();
        using var _ = client;
        using var __ = server; // disposed after the input (declared later), which holds its handle
        using var input = new SocketInput(server, 256, _loop.Register(server)) { Streaming = true };
        var taken = new List<byte>();
        var count = 0;
        var calls = 0;
        input.ConsumeInline = () =>
        {
            calls++;
            var buffered = input.Buffered;
            lock (taken)
                taken.AddRange(buffered.ToArray());
            input.Consume(buffered.Length);
            Volatile.Write(ref count, taken.Count);
            return taken.Count < 3000; // then hand over to the reader
        };
        using var cts = new CancellationTokenSource(Bound);
        var receive = input.ReceiveAsync(cts.Token).AsTask();
        Assert.False(receive.IsCompleted); // nothing there: waits

        var data = LoopbackSockets.Pattern(3500, 3);
        await client.SendAsync(data.AsMemory(0, 1000));
        await WaitUntil(() => Volatile.Read(ref count) == 1000);
        Assert.False(receive.IsCompleted); // taken on the loop: the receive is still pending
        Assert.True(calls >= 4); // 1000 bytes through a 256-byte buffer: one call per read

        await client.SendAsync(data.AsMemory(1000));
        Assert.True(await receive.WaitAsync(Bound));
        input.ConsumeInline = null; // the reader reads the rest itself
        byte[] all;
        lock (taken)
            all = [.. taken, .. input.Buffered.ToArray()];
        while (all.Length < data.Length && await input.ReceiveAsync(cts.Token))
        {
            all = [.. all, .. input.Buffered.ToArray()];
            input.Consume(input.Buffered.Length);
        }
        Assert.Equal(data, all);
    }

    [Fact]
    public async Task PeerClosing_CompletesThePendingReceiveWithTheEnd()
    {
        var (client, server) = await LoopbackSockets.PairAsync();
        using var _ = client;
        using var __ = server;
        using var input = new SocketInput(server, 256, _loop.Register(server)) { Streaming = true };
        var count = 0;
        input.ConsumeInline = () =>
        {
            Interlocked.Add(ref count, (int)input.Buffered.Length);
            input.Consume(input.Buffered.Length);
            return true;
        };
        var receive = input.ReceiveAsync(CancellationToken.None).AsTask();
        await client.SendAsync(LoopbackSockets.Pattern(700, 4));
        client.Shutdown(SocketShutdown.Send);

        Assert.False(await receive.WaitAsync(Bound));
        Assert.Equal(700, Volatile.Read(ref count));
    }

    [Fact]
    public async Task ConsumerThrowing_FailsThePendingReceiveWithItsException()
    {
        var (client, server) = await LoopbackSockets.PairAsync();
        using var _ = client;
        using var __ = server;
        using var input = new SocketInput(server, 256, _loop.Register(server)) { Streaming = true };
        input.ConsumeInline = () => throw new InvalidDataException("bad message");
        var receive = input.ReceiveAsync(CancellationToken.None).AsTask();
        await client.SendAsync(LoopbackSockets.Pattern(10, 5));

        var failure = await Assert.ThrowsAsync<InvalidDataException>(() => receive.WaitAsync(Bound));
        Assert.Equal("bad message", failure.Message);
    }
}

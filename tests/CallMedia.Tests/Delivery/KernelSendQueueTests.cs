using System.Net;
using System.Net.Sockets;
using CallMedia.Delivery;

namespace CallMedia.Tests.Delivery;

public sealed class KernelSendQueueTests
{
    [Fact]
    public async Task Unsent_ReportsBytesThePeerHasNotReadYet_AndZeroOnceRead()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await client.ConnectAsync(listener.LocalEndPoint!);
        using var server = await listener.AcceptAsync();
        server.SendBufferSize = 32 * 1024;
        Assert.Equal(0, KernelSendQueue.Unsent(server));

        var data = new byte[20_000];
        var send = server.SendAsync(data);
        await Task.Delay(100);
        var unsent = KernelSendQueue.Unsent(server);
        Assert.True(unsent > 5_000, $"unsent {unsent}");

        var buffer = new byte[65536];
        var read = 0;
        while (read < data.Length)
            read += await client.ReceiveAsync(buffer);
        await send;
        await Task.Delay(100);
        Assert.Equal(0, KernelSendQueue.Unsent(server));
    }
}

using System.Net.Sockets;

namespace CallMedia.Tests.Loopback;

/// <summary>The RTMP port belongs to one listener: a second process must fail to start, not share the connections.</summary>
public sealed class RtmpPortTests
{
    [Fact]
    public async Task SecondListener_OnTheRtmpPort_IsRefused_EvenWithReuseAddress()
    {
        await using var host = await RelayHost.StartAsync();
        using var second = new Socket(host.RtmpEndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        // .NET maps ReuseAddress to SO_REUSEPORT on Linux: two sockets that both set it may share a port.
        second.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        var e = Assert.Throws<SocketException>(() => second.Bind(host.RtmpEndPoint));
        Assert.Equal(SocketError.AddressAlreadyInUse, e.SocketErrorCode);
    }
}

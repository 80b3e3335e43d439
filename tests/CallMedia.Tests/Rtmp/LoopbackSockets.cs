using System.Net;
using System.Net.Sockets;

namespace CallMedia.Tests.Rtmp;

/// <summary>Real loopback TCP pairs and byte patterns for the relay's socket-input tests.</summary>
internal static class LoopbackSockets
{
    /// <summary>A connected pair on 127.0.0.1 (client with <c>NoDelay</c>, the server side as accepted); the caller disposes both.</summary>
    public static async Task<(Socket Client, Socket Server)> PairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accept = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        return (client, await accept);
    }

    /// <summary><paramref name="length"/> pseudo-random bytes, the same for the same <paramref name="seed"/>.</summary>
    public static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}

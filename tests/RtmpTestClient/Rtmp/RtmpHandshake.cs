using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace RtmpTestClient.Rtmp;

/// <summary>
/// The plain (unsigned) handshake of RTMP spec §5.2: C0 = version 3, C1 = time + four zero bytes + 1528 random
/// bytes; the server answers S0 S1 S2; C2 echoes S1. Zero version bytes in C1 tell servers that also speak the
/// FP9 digest handshake (nginx-rtmp, ours) to use the plain one.
/// </summary>
public static class RtmpHandshake
{
    /// <summary>Size of C1/C2/S1/S2.</summary>
    public const int PacketSize = 1536;

    /// <summary>Runs the client side over a connected socket. Throws <see cref="IOException"/> if the server misbehaves.</summary>
    public static async Task PerformAsync(Socket socket, CancellationToken cancellationToken)
    {
        var c0c1 = new byte[1 + PacketSize];
        c0c1[0] = 3;
        BinaryPrimitives.WriteUInt32BigEndian(c0c1.AsSpan(1), (uint)Environment.TickCount);
        RandomNumberGenerator.Fill(c0c1.AsSpan(9));
        await SendAllAsync(socket, c0c1, cancellationToken).ConfigureAwait(false);

        var s0s1 = new byte[1 + PacketSize];
        await ReceiveExactlyAsync(socket, s0s1, cancellationToken).ConfigureAwait(false);
        if (s0s1[0] != 3)
            throw new IOException($"RTMP handshake: server version {s0s1[0]}, expected 3.");
        await SendAllAsync(socket, s0s1.AsMemory(1), cancellationToken).ConfigureAwait(false); // C2 = S1

        var s2 = new byte[PacketSize];
        await ReceiveExactlyAsync(socket, s2, cancellationToken).ConfigureAwait(false);
    }

    private static async Task SendAllAsync(Socket socket, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            var sent = await socket.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            data = data[sent..];
        }
    }

    private static async Task ReceiveExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0)
                throw new IOException("RTMP handshake: connection closed by the server.");
            buffer = buffer[read..];
        }
    }
}

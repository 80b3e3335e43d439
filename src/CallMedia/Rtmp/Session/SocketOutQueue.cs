using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace CallMedia.Rtmp.Session;

/// <summary>
/// Unsent bytes in a socket's kernel send queue (Linux <c>SIOCOUTQ</c>), so a viewer's queue bound includes
/// what the kernel still holds (DESIGN §4). Returns 0 where unsupported.
/// </summary>
internal static partial class SocketOutQueue
{
    private const nuint SIOCOUTQ = 0x5411;
    private static bool s_unsupported = !OperatingSystem.IsLinux();

    public static int Unsent(Socket socket)
    {
        if (s_unsupported)
            return 0;
        try
        {
            var handle = socket.SafeHandle;
            if (handle.IsClosed || handle.IsInvalid)
                return 0;
            return Ioctl((int)handle.DangerousGetHandle(), SIOCOUTQ, out var value) == 0 ? value : 0;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            s_unsupported = true;
            return 0;
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }
    }

    /// <summary>Smoothed round-trip time from <c>TCP_INFO</c> (<c>tcpi_rtt</c>, µs at offset 68), in ms; 0 when unknown.</summary>
    public static int RttMs(Socket socket)
    {
        if (s_unsupported)
            return 0;
        try
        {
            Span<byte> info = stackalloc byte[104];
            var length = socket.GetRawSocketOption(6 /* IPPROTO_TCP */, 11 /* TCP_INFO */, info);
            return length >= 72 ? (int)(System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(info[68..]) / 1000) : 0;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or PlatformNotSupportedException)
        {
            return 0;
        }
    }

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(int fd, nuint request, out int value);
}

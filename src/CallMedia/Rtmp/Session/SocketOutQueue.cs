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
    private const nuint SIOCOUTQNSD = 0x894B;
    private static bool s_unsupported = !OperatingSystem.IsLinux();

    /// <summary>Bytes not yet acknowledged by the peer (unsent + in flight): what stands between new data and the viewer.</summary>
    public static int Unsent(Socket socket) => Query(socket, SIOCOUTQ);

    /// <summary>
    /// Bytes not yet sent at all (<c>SIOCOUTQNSD</c>): grows only when the congestion or receive window is full,
    /// i.e. when the link is behind; unaffected by delayed ACKs on a fast link.
    /// </summary>
    public static int NotSent(Socket socket) => Query(socket, SIOCOUTQNSD);

    private static int Query(Socket socket, nuint request)
    {
        if (s_unsupported)
            return 0;
        try
        {
            var handle = socket.SafeHandle;
            if (handle.IsClosed || handle.IsInvalid)
                return 0;
            return Ioctl((int)handle.DangerousGetHandle(), request, out var value) == 0 ? value : 0;
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

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(int fd, nuint request, out int value);
}

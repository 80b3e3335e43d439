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

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(int fd, nuint request, out int value);
}

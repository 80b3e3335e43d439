using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace CallMedia.Delivery;

/// <summary>
/// A TCP socket's send side as the kernel sees it (Linux <c>getsockopt(TCP_INFO)</c>, <c>struct tcp_info</c> of
/// <c>linux/tcp.h</c>): unacknowledged and unsent bytes and the peer's advertised window, in one system call. Returns
/// an empty sample where unsupported (other systems, non-TCP sockets).
/// </summary>
internal static partial class KernelSendQueue
{
    private const int IPPROTO_TCP = 6;
    private const int TCP_INFO = 11;
    private const int InfoBytes = 232;
    // Offsets in struct tcp_info (linux/tcp.h): __u64 tcpi_bytes_acked (4.1), __u32 tcpi_notsent_bytes (4.6),
    // __u64 tcpi_bytes_sent / tcpi_bytes_retrans (4.19), __u32 tcpi_snd_wnd (5.4).
    private const int BytesAckedOffset = 120;
    private const int NotSentOffset = 144;
    private const int BytesSentOffset = 200;
    private const int BytesRetransOffset = 208;
    private const int SndWndOffset = 228;
    private static bool s_unsupported = !OperatingSystem.IsLinux();

    /// <summary>Bytes not yet acknowledged by the peer (unsent + in flight): what stands between new data and the viewer.</summary>
    public static int Unsent(Socket socket) => Look(socket, 0).Unacked;

    /// <summary>Bytes not yet sent at all: grows only when the congestion or receive window is full.</summary>
    public static int NotSent(Socket socket) => Look(socket, 0).NotSent;

    /// <summary>One look at the socket, stamped <paramref name="at"/>.</summary>
    public static unsafe LinkSample Look(Socket socket, long at)
    {
        if (s_unsupported)
            return new LinkSample(at, 0, 0);
        try
        {
            var handle = socket.SafeHandle;
            if (handle.IsClosed || handle.IsInvalid)
                return new LinkSample(at, 0, 0);
            var info = stackalloc byte[InfoBytes];
            var length = InfoBytes;
            if (GetSockOpt((int)handle.DangerousGetHandle(), IPPROTO_TCP, TCP_INFO, info, ref length) != 0 || length < BytesRetransOffset + 8)
                return new LinkSample(at, 0, 0);
            var acked = *(ulong*)(info + BytesAckedOffset);
            var notSent = *(uint*)(info + NotSentOffset);
            var sent = *(ulong*)(info + BytesSentOffset) - *(ulong*)(info + BytesRetransOffset);
            var inFlight = sent > acked ? sent - acked : 0;
            var window = length >= SndWndOffset + 4 ? (int)Math.Min(*(uint*)(info + SndWndOffset), int.MaxValue) : -1;
            return new LinkSample(at, (int)Math.Min(inFlight + notSent, int.MaxValue), (int)notSent, window);
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            s_unsupported = true;
            return new LinkSample(at, 0, 0);
        }
        catch (ObjectDisposedException)
        {
            return new LinkSample(at, 0, 0);
        }
    }

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    private static unsafe partial int GetSockOpt(int fd, int level, int name, byte* value, ref int length);
}

using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace CallMedia.Delivery.Framing;

/// <summary>
/// One non-blocking <c>send(2)</c> straight on a socket's descriptor (Linux; <c>MSG_DONTWAIT | MSG_NOSIGNAL</c>, see
/// send(2)): what the kernel takes at once, with the exact count even when it takes only part. A viewer that keeps up
/// takes every flush whole, so the relay's common send is this one syscall, without the socket engine's operation,
/// event-args and task around an async send. What is left (a full send buffer, an error, another OS) goes through
/// <see cref="Socket.SendAsync(ReadOnlyMemory{byte}, SocketFlags, CancellationToken)"/>, which also reports the error.
/// </summary>
internal static partial class NonBlockingSend
{
    private const int MsgDontWait = 0x40;
    private const int MsgNoSignal = 0x4000;
    private static bool s_unsupported = !OperatingSystem.IsLinux();

    /// <summary>Bytes of <paramref name="data"/> the kernel took now: 0 when none (would block, an error, unsupported).</summary>
    public static unsafe int TrySend(Socket socket, ReadOnlySpan<byte> data)
    {
        if (s_unsupported || data.IsEmpty)
            return 0;
        var handle = socket.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            fixed (byte* bytes = data)
            {
                var sent = Send((int)handle.DangerousGetHandle(), bytes, (nuint)data.Length, MsgDontWait | MsgNoSignal);
                return sent > 0 ? (int)sent : 0;
            }
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
        finally
        {
            if (added)
                handle.DangerousRelease();
        }
    }

    [LibraryImport("libc", EntryPoint = "send")]
    private static unsafe partial nint Send(int fd, byte* buffer, nuint length, int flags);
}

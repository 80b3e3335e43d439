using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CallMedia.Rtmp.Io;

/// <summary>
/// One readiness loop: an epoll instance and the dedicated thread that waits on it (epoll(7)). Sockets are registered
/// edge-triggered for input (<c>EPOLLIN | EPOLLRDHUP | EPOLLET</c>); every event bumps the socket's
/// <see cref="SocketReadiness"/>, which resumes a reader waiting for it on this thread (its parsing, fan-out and the
/// viewers' sends run here, as in nginx's event loop). Nothing that blocks may run here: the relay's commands, closes and
/// events leave any thread that is not a pool thread first (<c>Hosting/SocketThreads</c>).
/// </summary>
internal sealed class EpollLoop : IDisposable
{
    private const int MaxEvents = 256;

    /// <summary>How often the thread looks whether the loop was disposed (epoll_wait's timeout).</summary>
    private const int StopCheckMs = 500;

    private static long s_nextId;
    private readonly ConcurrentDictionary<ulong, SocketReadiness> _registered = new();
    private readonly int _epfd;
    private volatile bool _disposed;

    /// <summary>Creates the epoll instance and starts its thread (named <paramref name="name"/>).</summary>
    public EpollLoop(string name)
    {
        _epfd = EpollNative.Create(EpollNative.EpollCloexec);
        if (_epfd < 0)
            throw new IOException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
        new Thread(Run) { IsBackground = true, Name = name }.UnsafeStart();
    }

    /// <summary>Registered sockets (for tests and diagnostics).</summary>
    public int Count => _registered.Count;

    /// <summary>
    /// Registers <paramref name="socket"/> for input readiness. The socket's handle is kept open (a reference on its
    /// <see cref="SafeHandle"/>) until the returned readiness is disposed, so its descriptor cannot be reused meanwhile.
    /// </summary>
    public SocketReadiness Register(Socket socket)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var id = (ulong)Interlocked.Increment(ref s_nextId);
        var readiness = new SocketReadiness(this, socket, id);
        _registered[id] = readiness;
        var events = EpollNative.EpollIn | EpollNative.EpollRdHup | EpollNative.EpollEt;
        if (EpollNative.Control(_epfd, EpollNative.EpollCtlAdd, readiness.Descriptor, events, id) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            _registered.TryRemove(id, out _);
            readiness.ReleaseHandle();
            throw new IOException($"epoll_ctl(ADD) failed: errno {errno}");
        }
        return readiness;
    }

    /// <summary>Takes the socket out of the loop (called once, by <see cref="SocketReadiness.Dispose"/>).</summary>
    internal void Unregister(SocketReadiness readiness)
    {
        if (!_registered.TryRemove(readiness.Id, out _))
            return;
        if (!_disposed)
            EpollNative.Control(_epfd, EpollNative.EpollCtlDel, readiness.Descriptor, 0, 0);
    }

    private unsafe void Run()
    {
        var stride = EpollNative.EventStride;
        var dataOffset = EpollNative.EventDataOffset;
        var events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * stride));
        try
        {
            while (!_disposed)
            {
                var count = EpollNative.Wait(_epfd, events, MaxEvents, StopCheckMs);
                if (count < 0)
                {
                    if (Marshal.GetLastPInvokeError() == EpollNative.EIntr)
                        continue;
                    return; // not an interruption: the instance is unusable
                }
                for (var i = 0; i < count; i++)
                {
                    var evt = events + i * stride;
                    var id = Unsafe.ReadUnaligned<ulong>(evt + dataOffset);
                    if (_registered.TryGetValue(id, out var readiness))
                        readiness.Signal(Unsafe.ReadUnaligned<uint>(evt));
                }
            }
        }
        finally
        {
            NativeMemory.Free(events);
            EpollNative.Close(_epfd);
        }
    }

    /// <summary>
    /// Stops the thread: it sees the flag within <see cref="StopCheckMs"/> and closes the epoll instance itself (no
    /// wait here: a host stopping its listener does not wait for the loop's timeout).
    /// </summary>
    public void Dispose() => _disposed = true;
}

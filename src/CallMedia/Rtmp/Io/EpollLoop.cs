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
/// <para>
/// An event finds its socket by slot: epoll's <c>data.u64</c> holds the registration's slot index (low 32 bits) and the
/// slot's generation (high 32 bits), so the loop takes it from an array without a lookup or a lock, and an event still in
/// a batch for a socket that left (its slot given to another) is told apart by the generation.
/// </para>
/// </summary>
internal sealed class EpollLoop : IDisposable
{
    private const int MaxEvents = 256;

    /// <summary>How often the thread looks whether the loop was disposed (epoll_wait's timeout).</summary>
    private const int StopCheckMs = 500;

    private const int InitialSlots = 64;

    private readonly Lock _slotsLock = new(); // registrations and removals (any thread); the loop reads without it
    private readonly Stack<int> _freeSlots = new();
    private SocketReadiness?[] _slots = new SocketReadiness?[InitialSlots];
    private uint[] _generations = new uint[InitialSlots];
    private int _usedSlots; // slots handed out so far (free ones included)
    private int _count;
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
    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Registers <paramref name="socket"/> for input readiness. The socket's handle is kept open (a reference on its
    /// <see cref="SafeHandle"/>) until the returned readiness is disposed, so its descriptor cannot be reused meanwhile.
    /// </summary>
    public SocketReadiness Register(Socket socket)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        SocketReadiness readiness;
        lock (_slotsLock)
        {
            var slot = _freeSlots.Count > 0 ? _freeSlots.Pop() : NewSlot();
            var id = (ulong)++_generations[slot] << 32 | (uint)slot;
            readiness = new SocketReadiness(this, socket, id);
            // Published before epoll_ctl: the loop can only see an event for it after that call.
            Volatile.Write(ref _slots[slot], readiness);
            _count++;
        }
        var events = EpollNative.EpollIn | EpollNative.EpollRdHup | EpollNative.EpollEt;
        if (EpollNative.Control(_epfd, EpollNative.EpollCtlAdd, readiness.Descriptor, events, readiness.Id) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            FreeSlot(readiness);
            readiness.ReleaseHandle();
            throw new IOException($"epoll_ctl(ADD) failed: errno {errno}");
        }
        return readiness;
    }

    /// <summary>A slot never used yet; the arrays double when full (the loop reads the old or the new one: both hold every live registration).</summary>
    private int NewSlot()
    {
        if (_usedSlots == _slots.Length)
        {
            var slots = new SocketReadiness?[_slots.Length * 2];
            Array.Copy(_slots, slots, _slots.Length);
            Array.Resize(ref _generations, slots.Length);
            Volatile.Write(ref _slots, slots);
        }
        return _usedSlots++;
    }

    /// <summary>Empties the slot of <paramref name="readiness"/> if it still holds it; false when it was freed already.</summary>
    private bool FreeSlot(SocketReadiness readiness)
    {
        var slot = (int)(uint)readiness.Id;
        lock (_slotsLock)
        {
            if (!ReferenceEquals(_slots[slot], readiness))
                return false;
            Volatile.Write(ref _slots[slot], null);
            _freeSlots.Push(slot);
            _count--;
            return true;
        }
    }

    /// <summary>Takes the socket out of the loop (called once, by <see cref="SocketReadiness.Dispose"/>).</summary>
    internal void Unregister(SocketReadiness readiness)
    {
        if (!FreeSlot(readiness))
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
                    var slots = Volatile.Read(ref _slots);
                    var slot = (uint)id;
                    if (slot < (uint)slots.Length && Volatile.Read(ref slots[slot]) is { } readiness && readiness.Id == id)
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

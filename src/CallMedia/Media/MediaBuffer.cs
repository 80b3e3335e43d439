using System.Buffers;

namespace CallMedia.Media;

/// <summary>
/// A pooled, reference-counted payload: filled once from the publisher's connection, then shared by every
/// viewer queue without copying. The creator holds one reference; each holder calls <see cref="Retain"/>
/// and later <see cref="Release"/>; the array returns to the pool when the count reaches zero. A slice
/// (<see cref="Slice"/>) is a payload inside another buffer (a message parsed in place from a connection's receive
/// buffer): it holds one reference on that buffer, given back when the slice's own count reaches zero.
/// </summary>
internal sealed partial class MediaBuffer
{
    /// <summary>
    /// Released shells kept for reuse, so the steady path allocates nothing per message (the array comes from
    /// <see cref="ArrayPool{T}"/>, the shell from here): first a small stack per thread, then one shared queue. A
    /// payload is usually rented and released on the same thread (an epoll loop parses, fans out and sends inline), and
    /// the per-thread stack keeps the two loop threads off the shared queue's counters, which each message otherwise
    /// moved between the cores (as <see cref="ArrayPool{T}.Shared"/> keeps its arrays per thread first). This bounds the
    /// shared queue; each thread keeps at most <see cref="ThreadShells"/> more. Beyond both, shells are left to the GC.
    /// </summary>
    private const int MaxPooledShells = 4096;
    /// <summary>Shells a thread keeps for itself.</summary>
    internal const int ThreadShells = 32;
    private static readonly System.Collections.Concurrent.ConcurrentQueue<MediaBuffer> s_shells = new();
    private static int s_pooledShells;
    [ThreadStatic] private static MediaBuffer?[]? t_shells;
    [ThreadStatic] private static int t_shellCount;

    private byte[]? _array;
    private int _offset;
    private MediaBuffer? _parent; // a slice's buffer
    private int _refCount;

    private int _length;

    private MediaBuffer(byte[] array, int length)
    {
        _array = array;
        _length = length;
        _refCount = 1;
    }

    /// <summary>Payload length in bytes.</summary>
    public int Length
    {
        get
        {
            CheckAlive();
            return _length;
        }
    }

    /// <summary>Rents a buffer for <paramref name="length"/> bytes with a reference count of one.</summary>
    public static MediaBuffer Rent(int length)
    {
        var array = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        if (TakeShell() is { } shell)
        {
            shell._array = array;
            shell._length = length;
            Volatile.Write(ref shell._refCount, 1);
            return shell;
        }
        return new MediaBuffer(array, length);
    }

    /// <summary>
    /// The <paramref name="length"/> bytes at <paramref name="offset"/> of <paramref name="parent"/> as a payload of its
    /// own, without copying: the slice holds a reference on <paramref name="parent"/> (the caller keeps its own) and has a
    /// count of one. The parent's bytes there must not change while the slice lives (<see cref="IsShared"/> tells).
    /// </summary>
    public static MediaBuffer Slice(MediaBuffer parent, int offset, int length)
    {
        var array = parent.Retain().Array;
        MediaBuffer slice;
        if (TakeShell() is { } shell)
        {
            shell._array = array;
            shell._length = length;
            slice = shell;
        }
        else
            slice = new MediaBuffer(array, length);
        slice._offset = offset;
        slice._parent = parent;
        Volatile.Write(ref slice._refCount, 1);
        return slice;
    }

    /// <summary>
    /// Someone besides the caller holds a reference (a slice of it, a queue): the caller, holding one itself, must not
    /// write over bytes it handed out. A holder that releases meanwhile only makes this conservative.
    /// </summary>
    public bool IsShared
    {
        get
        {
            CheckAlive();
            return Volatile.Read(ref _refCount) > 1;
        }
    }

    /// <summary>Copies <paramref name="data"/> into a new pooled buffer.</summary>
    public static MediaBuffer CopyOf(ReadOnlySpan<byte> data)
    {
        var buffer = Rent(data.Length);
        data.CopyTo(buffer.Array);
        return buffer;
    }

    /// <summary>
    /// The backing array (valid while a reference is held). The payload is the <see cref="Length"/> bytes at
    /// <see cref="Offset"/> (0 unless a <see cref="Slice"/>).
    /// </summary>
    public byte[] Array => _array ?? throw Dead();

    /// <summary>Where the payload starts in <see cref="Array"/>.</summary>
    public int Offset
    {
        get
        {
            CheckAlive();
            return _offset;
        }
    }

    public ReadOnlySpan<byte> Span => Array.AsSpan(_offset, _length);

    public ReadOnlyMemory<byte> Memory => Array.AsMemory(_offset, _length);

    /// <summary><paramref name="count"/> payload bytes from <paramref name="offset"/> (relative to the payload's start).</summary>
    public ArraySegment<byte> Segment(int offset, int count) => new(Array, _offset + offset, count);

    public MediaBuffer Retain()
    {
        if (Interlocked.Increment(ref _refCount) <= 1)
            throw Dead();
        return this;
    }

    public void Release()
    {
        var count = Interlocked.Decrement(ref _refCount);
        if (count != 0)
        {
            if (count < 0)
                OnReleasedTooOften();
            return;
        }
        var array = Interlocked.Exchange(ref _array, null);
        if (array is null)
            return;
        OnLastRelease();
        var parent = _parent;
        _parent = null;
        _offset = 0;
        if (parent is not null)
            parent.Release();
        else
            ArrayPool<byte>.Shared.Return(array);
#if !MEDIA_BUFFER_POISON
        KeepShell(this);
#endif
    }

    /// <summary>A released shell: this thread's latest, else one from the shared queue; null when none is kept.</summary>
    private static MediaBuffer? TakeShell()
    {
#if MEDIA_BUFFER_POISON
        return null; // a dead shell stays dead: a late use throws instead of reaching its next owner
#else
        if (t_shellCount > 0)
        {
            var shells = t_shells!;
            var i = --t_shellCount;
            var shell = shells[i];
            shells[i] = null;
            return shell;
        }
        if (!s_shells.TryDequeue(out var shared))
            return null;
        Interlocked.Decrement(ref s_pooledShells);
        return shared;
#endif
    }

    /// <summary>Keeps a released shell: on this thread while it keeps fewer than <see cref="ThreadShells"/>, else shared.</summary>
    private static void KeepShell(MediaBuffer shell)
    {
        var shells = t_shells ??= new MediaBuffer?[ThreadShells];
        if (t_shellCount < shells.Length)
        {
            shells[t_shellCount++] = shell;
            return;
        }
        if (Interlocked.Increment(ref s_pooledShells) <= MaxPooledShells)
            s_shells.Enqueue(shell);
        else
            Interlocked.Decrement(ref s_pooledShells);
    }

    /// <summary>Shells this thread keeps for reuse (tests).</summary>
    internal static int ThreadShellCount => t_shellCount;
}

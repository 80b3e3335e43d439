using System.Buffers;

namespace CallMedia.Media;

/// <summary>
/// A pooled, reference-counted payload: filled once from the publisher's connection, then shared by every
/// viewer queue without copying. The creator holds one reference; each holder calls <see cref="Retain"/>
/// and later <see cref="Release"/>; the array returns to the pool when the count reaches zero.
/// </summary>
internal sealed class MediaBuffer
{
    /// <summary>
    /// Released shells kept for reuse, so the steady path allocates nothing per message (the array comes from
    /// <see cref="ArrayPool{T}"/>, the shell from here). Bounded: beyond it shells are left to the GC.
    /// </summary>
    private const int MaxPooledShells = 4096;
    private static readonly System.Collections.Concurrent.ConcurrentQueue<MediaBuffer> s_shells = new();
    private static int s_pooledShells;

    private byte[]? _array;
    private int _refCount;

    private MediaBuffer(byte[] array, int length)
    {
        _array = array;
        Length = length;
        _refCount = 1;
    }

    /// <summary>Payload length in bytes.</summary>
    public int Length { get; private set; }

    /// <summary>Rents a buffer for <paramref name="length"/> bytes with a reference count of one.</summary>
    public static MediaBuffer Rent(int length)
    {
        var array = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        if (s_shells.TryDequeue(out var shell))
        {
            Interlocked.Decrement(ref s_pooledShells);
            shell._array = array;
            shell.Length = length;
            Volatile.Write(ref shell._refCount, 1);
            return shell;
        }
        return new MediaBuffer(array, length);
    }

    /// <summary>Copies <paramref name="data"/> into a new pooled buffer.</summary>
    public static MediaBuffer CopyOf(ReadOnlySpan<byte> data)
    {
        var buffer = Rent(data.Length);
        data.CopyTo(buffer.Array);
        return buffer;
    }

    /// <summary>The backing array (valid while a reference is held). Only the first <see cref="Length"/> bytes are payload.</summary>
    public byte[] Array => _array ?? throw new ObjectDisposedException(nameof(MediaBuffer));

    public ReadOnlySpan<byte> Span => Array.AsSpan(0, Length);

    public ReadOnlyMemory<byte> Memory => Array.AsMemory(0, Length);

    public ArraySegment<byte> Segment(int offset, int count) => new(Array, offset, count);

    public MediaBuffer Retain()
    {
        if (Interlocked.Increment(ref _refCount) <= 1)
            throw new ObjectDisposedException(nameof(MediaBuffer));
        return this;
    }

    public void Release()
    {
        var count = Interlocked.Decrement(ref _refCount);
        if (count != 0)
            return;
        var array = Interlocked.Exchange(ref _array, null);
        if (array is null)
            return;
        ArrayPool<byte>.Shared.Return(array);
        if (Interlocked.Increment(ref s_pooledShells) <= MaxPooledShells)
            s_shells.Enqueue(this);
        else
            Interlocked.Decrement(ref s_pooledShells);
    }
}

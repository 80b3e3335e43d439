using System.Buffers;
using System.Numerics;

namespace CallMedia.Rtmp.Chunks;

/// <summary>
/// One flush's bytes, contiguous: chunk headers are written in place and payload bytes copied in right after them, so
/// the flush sends straight from <see cref="Written"/> (one send, no list of segments to copy together first). The
/// payload is copied once per viewer either way (the kernel's copy into the socket buffer needs it contiguous or
/// gathered, and a gathered <c>sendmsg</c> cost more than the copy it saved: docs/performance-notes.md, session 7).
/// The buffer is rented from <see cref="ArrayPool{T}.Shared"/> at the first write and returned at <see cref="Reset"/>:
/// the pool hands this thread back the array the previous flush returned, still in the cache, where a buffer kept per
/// viewer would be cold by the viewer's next flush (its first touch was the output's largest cost in the profile).
/// Grows by doubling; <see cref="Written"/> is valid until the next write or reset.
/// </summary>
internal sealed class ChunkOutput : IDisposable
{
    private const int FirstBytes = 4096;
    private byte[] _buffer = [];

    /// <summary>Bytes written since the last <see cref="Reset"/>.</summary>
    public int TotalBytes { get; private set; }

    /// <summary>Bytes of the buffer held now (0: none).</summary>
    public int Capacity => _buffer.Length;

    /// <summary>What was written since the last <see cref="Reset"/>.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, TotalBytes);

    /// <summary>Returns a writable span of <paramref name="size"/> bytes after what was written; commit with <see cref="Advance"/>.</summary>
    public Span<byte> GetSpan(int size)
    {
        EnsureRoom(size);
        return _buffer.AsSpan(TotalBytes, size);
    }

    /// <summary>Commits <paramref name="count"/> bytes written into the last <see cref="GetSpan"/>.</summary>
    public void Advance(int count) => TotalBytes += count;

    /// <summary>Copies payload bytes in after what was written.</summary>
    public void AddPayload(ArraySegment<byte> payload)
    {
        if (payload.Count == 0)
            return;
        EnsureRoom(payload.Count);
        payload.AsSpan().CopyTo(_buffer.AsSpan(TotalBytes));
        TotalBytes += payload.Count;
    }

    /// <summary>A copy of <see cref="Written"/> (tests and benchmarks).</summary>
    public byte[] ToArray() => Written.ToArray();

    /// <summary>
    /// Hands over the buffer holding <see cref="Written"/> and its length (bytes from index 0), for a send that outlives
    /// this flush: the taker returns the array to <see cref="ArrayPool{T}.Shared"/>. The output is left empty, holding
    /// no buffer. Nothing written: an empty array, not from the pool.
    /// </summary>
    public byte[] Detach(out int length)
    {
        var buffer = _buffer;
        length = TotalBytes;
        _buffer = [];
        TotalBytes = 0;
        return buffer;
    }

    /// <summary>Empties the output and returns its buffer to the pool.</summary>
    public void Reset()
    {
        TotalBytes = 0;
        ReturnBuffer();
    }

    /// <summary>Returns the buffer to the pool (<see cref="Reset"/>).</summary>
    public void Dispose() => Reset();

    private void EnsureRoom(int more)
    {
        var needed = TotalBytes + more;
        if (needed <= _buffer.Length)
            return;
        var grown = ArrayPool<byte>.Shared.Rent(Math.Max(FirstBytes, (int)BitOperations.RoundUpToPowerOf2((uint)needed)));
        _buffer.AsSpan(0, TotalBytes).CopyTo(grown);
        ReturnBuffer();
        _buffer = grown;
    }

    private void ReturnBuffer()
    {
        if (_buffer.Length > 0)
            ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}

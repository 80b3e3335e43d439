using System.Buffers;
using System.Numerics;

namespace CallMedia.Rtmp.Chunks;

/// <summary>
/// One flush's bytes, contiguous: chunk headers are written in place and payload bytes copied in right after them, so
/// the flush sends straight from <see cref="Written"/> (one send, no list of segments to copy together first). The
/// payload is copied once per viewer either way (the kernel's copy into the socket buffer needs it contiguous or
/// gathered, and a gathered <c>sendmsg</c> cost more than the copy it saved: docs/performance-notes.md, session 7).
/// <para>
/// The first write takes the writing thread's scratch buffer (<see cref="ScratchBytes"/>, one per thread, lent to one
/// output at a time) and <see cref="Reset"/> gives it back: the relay's writers frame and send on their loop's thread
/// without waiting in between, so every viewer's flush on that thread reuses the same array, still in the cache, with no
/// pool round trip per flush (a buffer kept per viewer would be cold by the viewer's next flush: its first touch was the
/// output's largest cost in session 8's profile). Past the scratch's size, or while another output on the thread holds
/// it, the buffer is rented from <see cref="ArrayPool{T}.Shared"/> as before. Grows by doubling; <see cref="Written"/> is
/// valid until the next write or reset.
/// </para>
/// </summary>
internal sealed class ChunkOutput : IDisposable
{
    /// <summary>
    /// Size of each thread's scratch buffer (bytes): a wake-up's flush is a few KiB and fits; a larger one (a large key
    /// frame sent whole, up to the writer's 256 KiB batch) rents. Every thread that frames (the loops', the thread
    /// pool's) keeps its scratch for as long as it lives.
    /// </summary>
    public const int ScratchBytes = 64 * 1024;

    private const int FirstBytes = 4096;

    [ThreadStatic]
    private static Scratch? t_scratch;

    private byte[] _buffer = [];
    private Scratch? _lender; // set while _buffer is a thread's scratch: given back at Reset, never to the pool

    /// <summary>A thread's scratch buffer and whether an output holds it.</summary>
    private sealed class Scratch
    {
        public readonly byte[] Buffer = GC.AllocateUninitializedArray<byte>(ScratchBytes);
        public volatile bool Lent; // cleared by the holder, normally on the lending thread (a writer's error path may end elsewhere)
    }

    /// <summary>Bytes written since the last <see cref="Reset"/>.</summary>
    public int TotalBytes { get; private set; }

    /// <summary>Bytes of the buffer held now (0: none).</summary>
    public int Capacity => _buffer.Length;

    /// <summary>The buffer is the writing thread's scratch (tests).</summary>
    internal bool HoldsScratch => _lender is not null;

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
    /// Hands over what was written from <paramref name="from"/> on (a send the kernel took only in part), for a send that
    /// outlives this flush: an array from <see cref="ArrayPool{T}.Shared"/> with those bytes from index 0 and their
    /// <paramref name="length"/>; the taker returns it to the pool. The output's own pooled buffer is handed over as it is
    /// when nothing of it was sent (<paramref name="from"/> 0); the thread's scratch never leaves its thread (a copy).
    /// The output is left empty, holding no buffer.
    /// </summary>
    public byte[] Detach(int from, out int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(from, TotalBytes);
        length = TotalBytes - from;
        var buffer = _buffer;
        if (_lender is not null || from > 0)
        {
            buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
            Written[from..].CopyTo(buffer);
            ReturnBuffer();
        }
        _buffer = [];
        TotalBytes = 0;
        return buffer;
    }

    /// <summary>Empties the output and gives its buffer back (the scratch to the thread that lent it, else to the pool).</summary>
    public void Reset()
    {
        TotalBytes = 0;
        ReturnBuffer();
    }

    /// <summary>Gives the buffer back (<see cref="Reset"/>).</summary>
    public void Dispose() => Reset();

    private void EnsureRoom(int more)
    {
        var needed = TotalBytes + more;
        if (needed <= _buffer.Length)
            return;
        if (_buffer.Length == 0 && needed <= ScratchBytes)
        {
            var scratch = t_scratch ??= new Scratch();
            if (!scratch.Lent)
            {
                scratch.Lent = true;
                _lender = scratch;
                _buffer = scratch.Buffer;
                return;
            }
        }
        var grown = ArrayPool<byte>.Shared.Rent(Math.Max(FirstBytes, (int)BitOperations.RoundUpToPowerOf2((uint)needed)));
        _buffer.AsSpan(0, TotalBytes).CopyTo(grown);
        ReturnBuffer();
        _buffer = grown;
    }

    private void ReturnBuffer()
    {
        if (_lender is not null)
        {
            // Given back (normally on the thread that lent it: framing and flush do not wait in between).
            _lender.Lent = false;
            _lender = null;
        }
        else if (_buffer.Length > 0)
            ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}

using System.Buffers;

namespace CallMedia.Rtmp.Chunks;

/// <summary>
/// Builds one gather-write: small header bytes go into pooled scratch blocks, payloads are referenced
/// in place (<see cref="ArraySegment{T}"/> of the shared media buffer), so a viewer's send copies nothing
/// but headers. Scratch blocks are never reallocated, so segments stay valid until <see cref="Reset"/>.
/// </summary>
internal sealed class SegmentBuilder : IDisposable
{
    private const int BlockSize = 4096;
    private readonly List<byte[]> _blocks = new();
    private byte[]? _current;
    private int _used;

    public List<ArraySegment<byte>> Segments { get; } = new();

    public int TotalBytes { get; private set; }

    /// <summary>Returns a writable span of at least <paramref name="size"/> bytes (size ≤ 4096) in scratch.</summary>
    public Span<byte> GetSpan(int size)
    {
        if (_current is null || _used + size > _current.Length)
        {
            _current = ArrayPool<byte>.Shared.Rent(Math.Max(BlockSize, size));
            _blocks.Add(_current);
            _used = 0;
        }
        return _current.AsSpan(_used, size);
    }

    /// <summary>Commits <paramref name="count"/> bytes written into the last <see cref="GetSpan"/>.</summary>
    public void Advance(int count)
    {
        if (count == 0) return;
        var last = Segments.Count > 0 ? Segments[^1] : default;
        if (last.Array == _current && last.Offset + last.Count == _used)
            Segments[^1] = new ArraySegment<byte>(_current!, last.Offset, last.Count + count);
        else
            Segments.Add(new ArraySegment<byte>(_current!, _used, count));
        _used += count;
        TotalBytes += count;
    }

    /// <summary>References payload bytes in place (no copy).</summary>
    public void AddPayload(ArraySegment<byte> payload)
    {
        if (payload.Count == 0) return;
        Segments.Add(payload);
        TotalBytes += payload.Count;
    }

    /// <summary>Copies the segments, in order, into <paramref name="destination"/> (at least <see cref="TotalBytes"/> long).</summary>
    public void CopyTo(Span<byte> destination)
    {
        var offset = 0;
        foreach (var s in Segments)
        {
            s.AsSpan().CopyTo(destination[offset..]);
            offset += s.Count;
        }
    }

    public byte[] ToArray()
    {
        var result = new byte[TotalBytes];
        var offset = 0;
        foreach (var s in Segments)
        {
            s.AsSpan().CopyTo(result.AsSpan(offset));
            offset += s.Count;
        }
        return result;
    }

    /// <summary>Empties the builder; the first scratch block is kept for the next write (no pool round trip per flush).</summary>
    public void Reset()
    {
        for (var i = 1; i < _blocks.Count; i++)
            ArrayPool<byte>.Shared.Return(_blocks[i]);
        if (_blocks.Count > 1)
            _blocks.RemoveRange(1, _blocks.Count - 1);
        _current = _blocks.Count > 0 ? _blocks[0] : null;
        _used = 0;
        Segments.Clear();
        TotalBytes = 0;
    }

    public void Dispose()
    {
        foreach (var block in _blocks)
            ArrayPool<byte>.Shared.Return(block);
        _blocks.Clear();
        _current = null;
        _used = 0;
        Segments.Clear();
        TotalBytes = 0;
    }
}

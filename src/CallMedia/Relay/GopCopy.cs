using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CallMedia.Media;

namespace CallMedia.Relay;

/// <summary>
/// A stream's latest GOP for captures and recordings started on a live stream: a copy of every message from the latest
/// key frame on, payloads back to back in blocks the stream owns and reuses from GOP to GOP. Holding references to
/// the relayed payloads instead would keep ~150 pooled arrays per stream out of <see cref="System.Buffers.ArrayPool{T}"/>
/// (each rounded up to a power of two), so the pool rents fresh ones meanwhile: ≈ 0.5 MiB of heap per live stream for
/// a 2 s GOP at 616 kbit/s. The copy costs one <c>memcpy</c> per published message (not per viewer) and about one GOP of
/// memory. The blocks are 16 KiB, added as the GOP grows (a message may span several): growing never copies what is
/// held, and no block is a large object (≥ 85,000 bytes), whose allocations bring gen2 collections — one array regrown
/// in steps showed in a stream's first seconds as large-object allocations and gen2 collections (3.4 % and 2.6 % of
/// the relay's samples, docs/performance-notes.md, session 5). The blocks are given back when the publisher leaves.
/// </summary>
internal sealed class GopCopy
{
    private const int BlockShift = 14;
    private const int BlockBytes = 1 << BlockShift; // 16 KiB
    private readonly List<(FrameClass Class, uint Timestamp, int Offset, int Length)> _frames = new();
    private readonly List<byte[]> _blocks = new();
    // The block the next byte goes into and its index (null: none yet). Appends run once per published message, each
    // on a stream whose objects went cold while the other streams ran: writing through these fields skips the list,
    // its array and the block's header (three dependent cache misses in the profile, docs/performance-notes.md session 9).
    private byte[]? _tail;
    private int _tailIndex = -1;

    /// <summary>Messages held (0: none, or let go until the next key frame).</summary>
    public int Count => _frames.Count;

    /// <summary>Payload bytes held.</summary>
    public int Bytes { get; private set; }

    /// <summary>Bytes of the blocks (what the copy costs in memory).</summary>
    public int Capacity => _blocks.Count * BlockBytes;

    /// <summary>The first message is a key frame: a decoder can start from it.</summary>
    public bool StartsAtKeyFrame => _frames.Count > 0 && _frames[0].Class == FrameClass.KeyFrame;

    /// <summary>Starts a new GOP at <paramref name="keyFrame"/>.</summary>
    public void Restart(in MediaPacket keyFrame)
    {
        Clear();
        Append(keyFrame);
    }

    /// <summary>Appends a message to the current GOP (nothing without one); past <paramref name="maxBytes"/> the GOP is let go.</summary>
    public void Add(in MediaPacket packet, int maxBytes)
    {
        if (_frames.Count == 0)
            return;
        if (Bytes + packet.Payload.Length > maxBytes)
        {
            Clear();
            return;
        }
        Append(packet);
    }

    /// <summary>Forgets the GOP (the blocks are kept for the next one).</summary>
    public void Clear()
    {
        _frames.Clear();
        Bytes = 0;
    }

    /// <summary>Forgets the GOP and gives the blocks back (no publisher).</summary>
    public void Release()
    {
        Clear();
        _blocks.Clear();
        _tail = null;
        _tailIndex = -1;
    }

    /// <summary>The lowest timestamp held: audio interleaved slightly before the key frame's timestamp may follow it.</summary>
    public uint FirstTimestamp()
    {
        var first = _frames[0].Timestamp;
        foreach (var frame in _frames)
        {
            if (unchecked((int)(frame.Timestamp - first)) < 0)
                first = frame.Timestamp;
        }
        return first;
    }

    /// <summary>The GOP as packets, each with a fresh pooled payload the caller owns (one reference each).</summary>
    public MediaPacket[] ToPackets()
    {
        var packets = new MediaPacket[_frames.Count];
        for (var i = 0; i < packets.Length; i++)
        {
            var (frameClass, timestamp, offset, length) = _frames[i];
            var payload = MediaBuffer.Rent(length);
            Copy(offset, payload.Array.AsSpan(0, length));
            packets[i] = new MediaPacket(frameClass, timestamp, payload);
        }
        return packets;
    }

    private void Append(in MediaPacket packet)
    {
        var source = packet.Payload.Span;
        var offset = Bytes;
        var at = offset;
        while (!source.IsEmpty)
        {
            var block = at >> BlockShift;
            var target = block == _tailIndex ? _tail! : TailAt(block);
            var within = at & (BlockBytes - 1);
            var n = Math.Min(source.Length, BlockBytes - within);
            // Every block is BlockBytes long and within + n <= BlockBytes: in bounds without reading the block's length.
            Unsafe.CopyBlockUnaligned(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(target), within),
                ref MemoryMarshal.GetReference(source), (uint)n);
            source = source[n..];
            at += n;
        }
        _frames.Add((packet.Class, packet.Timestamp, offset, packet.Payload.Length));
        Bytes = at;
    }

    /// <summary>Makes block <paramref name="block"/> (an existing one, or the next new one) the tail.</summary>
    private byte[] TailAt(int block)
    {
        if (block == _blocks.Count)
            _blocks.Add(new byte[BlockBytes]);
        _tailIndex = block;
        return _tail = _blocks[block];
    }

    /// <summary>Copies the held bytes from <paramref name="offset"/> into <paramref name="target"/> (across blocks).</summary>
    private void Copy(int offset, Span<byte> target)
    {
        while (!target.IsEmpty)
        {
            var within = offset & (BlockBytes - 1);
            var n = Math.Min(target.Length, BlockBytes - within);
            _blocks[offset >> BlockShift].AsSpan(within, n).CopyTo(target);
            target = target[n..];
            offset += n;
        }
    }
}

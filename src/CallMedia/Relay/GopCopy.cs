using CallMedia.Media;

namespace CallMedia.Relay;

/// <summary>
/// A stream's latest GOP for captures and recordings started on a live stream: a copy of every message from the latest
/// key frame on, payloads back to back in one array the stream owns and reuses from GOP to GOP. Holding references to
/// the relayed payloads instead would keep ~150 pooled arrays per stream out of <see cref="System.Buffers.ArrayPool{T}"/>
/// (each rounded up to a power of two), so the pool rents fresh ones meanwhile: ≈ 0.5 MiB of heap per live stream for
/// a 2 s GOP at 616 kbit/s. The copy costs one <c>memcpy</c> per published message (not per viewer) and about one GOP of
/// memory; the array grows in 16 KiB steps with a quarter of slack and is given back when the publisher leaves.
/// </summary>
internal sealed class GopCopy
{
    private const int Step = 16 * 1024;
    private readonly List<(FrameClass Class, uint Timestamp, int Offset, int Length)> _frames = new();
    private byte[] _bytes = [];

    /// <summary>Messages held (0: none, or let go until the next key frame).</summary>
    public int Count => _frames.Count;

    /// <summary>Payload bytes held.</summary>
    public int Bytes { get; private set; }

    /// <summary>Bytes of the array (what the copy costs in memory).</summary>
    public int Capacity => _bytes.Length;

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

    /// <summary>Forgets the GOP (the array is kept for the next one).</summary>
    public void Clear()
    {
        _frames.Clear();
        Bytes = 0;
    }

    /// <summary>Forgets the GOP and gives the array back (no publisher).</summary>
    public void Release()
    {
        Clear();
        _bytes = [];
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
            packets[i] = new MediaPacket(frameClass, timestamp, MediaBuffer.CopyOf(_bytes.AsSpan(offset, length)));
        }
        return packets;
    }

    private void Append(in MediaPacket packet)
    {
        var length = packet.Payload.Length;
        var needed = Bytes + length;
        if (needed > _bytes.Length)
        {
            var size = (needed + needed / 4 + Step - 1) / Step * Step;
            var grown = new byte[size];
            _bytes.AsSpan(0, Bytes).CopyTo(grown);
            _bytes = grown;
        }
        packet.Payload.Span.CopyTo(_bytes.AsSpan(Bytes));
        _frames.Add((packet.Class, packet.Timestamp, Bytes, length));
        Bytes = needed;
    }
}

using System.Text;
using CallService.Storage;

namespace CallService.Realtime;

/// <summary>
/// The newest delivered events, kept in memory so that a <c>resume</c> right after a reconnect needs no store read.
/// Bounded by time (<see cref="RealtimeOptions.HistorySeconds"/>) and by bytes (<see cref="RealtimeOptions.HistoryMaxBytes"/>,
/// for all users together); everything older is read from the store, which keeps <c>HistorySeconds</c> of events.
/// </summary>
/// <remarks>
/// Each kept event is its user id (UTF-8) and its frame, copied into one ring of bytes, plus a <see cref="Slot"/> in a ring
/// of slots; neither holds an object reference. At 1,000 call lifecycles per second the 8 MiB default holds a few seconds
/// of events: kept as objects (a record, its frame array, queue entries), every one of them outlived the collection after
/// it and was copied out of gen0 through the queue's old array, about 4–5 MB per gen0 collection and most of its pause
/// (docs/performance-notes.md, "session 14"). The rings are allocated once they are needed, grow by doubling (the byte
/// ring up to the bound, the slot ring up to one slot per <see cref="EntryOverheadBytes"/> of it), never shrink, and are
/// never scanned by the collector. A read walks every kept event under the lock (a resume is rare). User ids are
/// compared as UTF-8 bytes: ids are validated ASCII (<c>[A-Za-z0-9_.@-]</c>), so equal bytes mean equal ids.
/// </remarks>
internal sealed class RecentEvents(TimeProvider time, RealtimeOptions options)
{
    /// <summary>Bookkeeping per kept event besides its user id and frame (its slot), bytes.</summary>
    internal const int EntryOverheadBytes = 32;

    private const int FirstRingBytes = 64 * 1024;
    private const int FirstSlots = 256;

    /// <summary>Where a kept event's bytes are: the user id at <see cref="Offset"/>, its frame right after.</summary>
    private readonly record struct Slot(long Seq, long AtTicks, int Offset, int UserBytes, int FrameBytes)
    {
        public int End => Offset + UserBytes + FrameBytes;
    }

    private readonly Lock _gate = new();
    private byte[] _ring = [];
    private Slot[] _slots = [];
    private int _first; // index in _slots of the oldest kept event
    private int _count;
    private long _bytes;
    private long _floor = long.MaxValue; // memory holds every delivered event with seq > _floor

    /// <summary>Bytes held now (user ids, frames and slots of the kept events).</summary>
    public long Bytes
    {
        get { lock (_gate) return _bytes; }
    }

    /// <summary>Events below <paramref name="firstSeq"/> were never in this memory (an earlier process, or none).</summary>
    public void Start(long firstSeq)
    {
        lock (_gate) _floor = Math.Min(_floor, firstSeq - 1);
    }

    /// <summary>
    /// The bound, bytes: <see cref="RealtimeOptions.HistoryMaxBytes"/>, at most what one array can hold (the byte ring is
    /// one array).
    /// </summary>
    private long MaxBytes => Math.Min(options.HistoryMaxBytes, Array.MaxLength);

    public void Add(StoredEvent e)
    {
        var userBytes = Encoding.UTF8.GetByteCount(e.UserId);
        var length = userBytes + e.Frame.Length;
        lock (_gate)
        {
            if (length == 0 || length + EntryOverheadBytes > MaxBytes)
            {
                // Larger than the whole memory (or empty, which the ring cannot place apart from its neighbours): not
                // kept, and memory no longer holds every event above the floor.
                Forget(e.Seq);
                return;
            }
            Trim(time.GetUtcNow(), MaxBytes - length - EntryOverheadBytes);
            var offset = Place(length);
            Encoding.UTF8.GetBytes(e.UserId, _ring.AsSpan(offset, userBytes));
            e.Frame.CopyTo(_ring.AsSpan(offset + userBytes));
            Append(new Slot(e.Seq, e.At.UtcTicks, offset, userBytes, e.Frame.Length));
            _bytes += length + EntryOverheadBytes;
        }
    }

    /// <summary>
    /// The frames of the user's events with <c>afterSeq &lt; seq ≤ throughSeq</c>, in seq order (copies), when memory
    /// certainly holds all of them; null when some may be older than what is kept (read the store).
    /// </summary>
    public List<byte[]>? TryRead(string userId, long afterSeq, long throughSeq)
    {
        Span<byte> user = stackalloc byte[Encoding.UTF8.GetMaxByteCount(Math.Min(userId.Length, 256))];
        var userBytes = userId.Length <= 256 ? Encoding.UTF8.GetBytes(userId, user) : -1;
        var wanted = userBytes >= 0 ? user[..userBytes] : Encoding.UTF8.GetBytes(userId);
        lock (_gate)
        {
            if (afterSeq < _floor) return null;
            var found = new List<(long Seq, byte[] Frame)>();
            for (var i = 0; i < _count; i++)
            {
                var slot = _slots[(_first + i) % _slots.Length];
                if (slot.Seq <= afterSeq || slot.Seq > throughSeq) continue;
                if (!_ring.AsSpan(slot.Offset, slot.UserBytes).SequenceEqual(wanted)) continue;
                found.Add((slot.Seq, _ring.AsSpan(slot.Offset + slot.UserBytes, slot.FrameBytes).ToArray()));
            }
            found.Sort((x, y) => x.Seq.CompareTo(y.Seq));
            return found.ConvertAll(f => f.Frame);
        }
    }

    /// <summary>Drops what is older than the time bound (also done on every add).</summary>
    public void Sweep()
    {
        lock (_gate) Trim(time.GetUtcNow(), MaxBytes);
    }

    /// <summary>Drops the oldest events while they are older than the time bound or the bytes held exceed <paramref name="maxBytes"/>.</summary>
    private void Trim(DateTimeOffset now, long maxBytes)
    {
        var horizon = (now - TimeSpan.FromSeconds(options.HistorySeconds)).UtcTicks;
        while (_count > 0 && (_slots[_first].AtTicks < horizon || _bytes > maxBytes))
            DropOldest();
    }

    private void DropOldest()
    {
        var oldest = _slots[_first];
        _slots[_first] = default;
        _first = (_first + 1) % _slots.Length;
        _count--;
        _bytes -= oldest.UserBytes + oldest.FrameBytes + EntryOverheadBytes;
        Forget(oldest.Seq);
    }

    private void Forget(long seq) => _floor = _floor == long.MaxValue ? seq : Math.Max(_floor, seq);

    /// <summary>
    /// An offset in the ring with <paramref name="length"/> contiguous free bytes after the newest event (or at the ring's
    /// start once the end has no room): grows the ring while it is below the byte bound, else drops the oldest events.
    /// </summary>
    private int Place(int length)
    {
        while (true)
        {
            if (_count == 0)
            {
                if (_ring.Length < length) Grow(length);
                return 0;
            }
            var oldest = _slots[_first];
            var newest = _slots[(_first + _count - 1) % _slots.Length];
            if (newest.Offset >= oldest.Offset)
            {
                // Not wrapped: free space after the newest, and before the oldest.
                if (_ring.Length - newest.End >= length) return newest.End;
                if (oldest.Offset >= length) return 0;
            }
            else if (oldest.Offset - newest.End >= length)
            {
                return newest.End; // wrapped: free space between the newest and the oldest
            }
            if (_ring.Length < MaxBytes) Grow(length);
            else DropOldest();
        }
    }

    /// <summary>A ring twice as large (at most the byte bound, at least what the kept events and <paramref name="length"/> need), the kept events copied to its start in order.</summary>
    private void Grow(int length)
    {
        var needed = _bytes + length;
        var size = Math.Max(Math.Max(FirstRingBytes, (long)_ring.Length * 2), needed);
        var ring = new byte[Math.Min(size, MaxBytes)]; // needed ≤ the bound: Add trimmed to it
        var at = 0;
        for (var i = 0; i < _count; i++)
        {
            ref var slot = ref _slots[(_first + i) % _slots.Length];
            var bytes = slot.UserBytes + slot.FrameBytes;
            _ring.AsSpan(slot.Offset, bytes).CopyTo(ring.AsSpan(at));
            slot = slot with { Offset = at };
            at += bytes;
        }
        _ring = ring;
    }

    private void Append(Slot slot)
    {
        if (_count == _slots.Length)
        {
            // At most one slot per EntryOverheadBytes of the bound: each kept event counts that much against it.
            var slots = new Slot[Math.Min(Math.Max(FirstSlots, _slots.Length * 2), MaxBytes / EntryOverheadBytes + 1)];
            for (var i = 0; i < _count; i++)
                slots[i] = _slots[(_first + i) % _slots.Length];
            _slots = slots;
            _first = 0;
        }
        _slots[(_first + _count) % _slots.Length] = slot;
        _count++;
    }
}

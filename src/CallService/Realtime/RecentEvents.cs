using CallService.Storage;

namespace CallService.Realtime;

/// <summary>
/// The newest delivered events, kept in memory so that a <c>resume</c> right after a reconnect needs no store read.
/// Bounded by time (<see cref="RealtimeOptions.HistorySeconds"/>) and by bytes (<see cref="RealtimeOptions.HistoryMaxBytes"/>,
/// for all users together); everything older is read from the store, which keeps <c>HistorySeconds</c> of events.
/// </summary>
internal sealed class RecentEvents(TimeProvider time, RealtimeOptions options)
{
    /// <summary>Bookkeeping per kept event besides its frame (the event record, queue slots), bytes.</summary>
    internal const int EntryOverheadBytes = 160;

    private readonly Lock _gate = new();
    private readonly Queue<StoredEvent> _order = new();
    private readonly Dictionary<string, Queue<StoredEvent>> _byUser = new(StringComparer.Ordinal);
    private long _bytes;
    private long _floor = long.MaxValue; // memory holds every delivered event with seq > _floor

    /// <summary>Bytes held now (frames plus bookkeeping).</summary>
    public long Bytes
    {
        get { lock (_gate) return _bytes; }
    }

    /// <summary>Events below <paramref name="firstSeq"/> were never in this memory (an earlier process, or none).</summary>
    public void Start(long firstSeq)
    {
        lock (_gate) _floor = Math.Min(_floor, firstSeq - 1);
    }

    public void Add(StoredEvent e)
    {
        lock (_gate)
        {
            _order.Enqueue(e);
            if (!_byUser.TryGetValue(e.UserId, out var mine)) _byUser[e.UserId] = mine = new Queue<StoredEvent>();
            mine.Enqueue(e);
            _bytes += Size(e);
            Trim(time.GetUtcNow());
        }
    }

    /// <summary>
    /// The user's events with <c>afterSeq &lt; seq ≤ throughSeq</c> when memory certainly holds all of them; null when
    /// some may be older than what is kept (read the store).
    /// </summary>
    public List<StoredEvent>? TryRead(string userId, long afterSeq, long throughSeq)
    {
        lock (_gate)
        {
            if (afterSeq < _floor) return null;
            var list = new List<StoredEvent>();
            if (_byUser.TryGetValue(userId, out var mine))
                foreach (var e in mine)
                    if (e.Seq > afterSeq && e.Seq <= throughSeq) list.Add(e);
            list.Sort((x, y) => x.Seq.CompareTo(y.Seq));
            return list;
        }
    }

    /// <summary>Drops what is older than the time bound (also done on every add).</summary>
    public void Sweep()
    {
        lock (_gate) Trim(time.GetUtcNow());
    }

    private void Trim(DateTimeOffset now)
    {
        var horizon = now - TimeSpan.FromSeconds(options.HistorySeconds);
        while (_order.TryPeek(out var oldest) && (oldest.At < horizon || _bytes > options.HistoryMaxBytes))
        {
            _order.Dequeue();
            _bytes -= Size(oldest);
            _floor = _floor == long.MaxValue ? oldest.Seq : Math.Max(_floor, oldest.Seq);
            var mine = _byUser[oldest.UserId];
            mine.Dequeue(); // the user's oldest is the oldest overall of that user: both queues are in delivery order
            if (mine.Count == 0) _byUser.Remove(oldest.UserId);
        }
    }

    private static long Size(StoredEvent e) => e.Frame.Length + EntryOverheadBytes;
}

using CallService.Storage;

namespace CallService.Realtime;

/// <summary>
/// Hands out realtime event numbers (<c>seq</c>). One node (SQLite): from blocks reserved in the store, so numbers
/// only grow, also across restarts (a restarted node continues above every number handed out before), and the store
/// is asked once per <see cref="BlockSize"/> events, not per event; numbers of a block left unused when the process
/// stops are skipped. Several nodes (a store that is an <see cref="ISharedEventLog"/>): the store numbers events as it
/// commits them, in commit order (blocks per node would give a user a lower number on one node after a higher one on
/// another); <see cref="Next"/> gives 0 (not yet numbered) and <see cref="Last"/> is the highest number this node has
/// delivered in order (<see cref="ClusterEventFeed"/>).
/// </summary>
internal sealed class EventSequence(ICallStore store)
{
    /// <summary>Numbers reserved per store write.</summary>
    public const int BlockSize = 1024;

    private readonly Lock _gate = new();
    private long _next;
    private long _end; // exclusive
    private bool _started;

    /// <summary>True when the store numbers events at commit: events are prepared with seq 0.</summary>
    public bool AtCommit { get; } = store is ISharedEventLog;

    /// <summary>The next number; 0 when the store numbers events at commit.</summary>
    public long Next()
    {
        if (AtCommit) return 0;
        lock (_gate)
        {
            if (_next >= _end) Reserve();
            return _next++;
        }
    }

    /// <summary>
    /// The last number handed out (the number before the first one of this process when none was yet); when the store
    /// numbers at commit, the last number delivered in order on this node (at first: the last committed one).
    /// </summary>
    public long Last
    {
        get
        {
            lock (_gate)
            {
                if (!_started)
                {
                    if (AtCommit)
                    {
                        _next = ((ISharedEventLog)store).LastCommittedSeq() + 1;
                        _started = true;
                    }
                    else Reserve();
                }
                return _next - 1;
            }
        }
    }

    /// <summary>Every event up to <paramref name="seq"/> was delivered in order (store numbering at commit only).</summary>
    public void Delivered(long seq)
    {
        lock (_gate)
            if (_started && seq >= _next) _next = seq + 1;
    }

    private void Reserve()
    {
        _next = store.ReserveEventSeqs(BlockSize);
        _end = _next + BlockSize;
        _started = true;
    }
}

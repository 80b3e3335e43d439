using CallService.Storage;

namespace CallService.Realtime;

/// <summary>
/// Hands out realtime event numbers (<c>seq</c>) from blocks reserved in the store: numbers only grow, also across
/// restarts (a restarted node continues above every number handed out before), and the store is asked once per
/// <see cref="BlockSize"/> events, not per event. Numbers of a block left unused when the process stops are skipped.
/// </summary>
internal sealed class EventSequence(ICallStore store)
{
    /// <summary>Numbers reserved per store write.</summary>
    public const int BlockSize = 1024;

    private readonly Lock _gate = new();
    private long _next;
    private long _end; // exclusive
    private bool _started;

    /// <summary>The next number.</summary>
    public long Next()
    {
        lock (_gate)
        {
            if (_next >= _end) Reserve();
            return _next++;
        }
    }

    /// <summary>The last number handed out (the number before the first one of this process when none was yet).</summary>
    public long Last
    {
        get
        {
            lock (_gate)
            {
                if (!_started) Reserve();
                return _next - 1;
            }
        }
    }

    private void Reserve()
    {
        _next = store.ReserveEventSeqs(BlockSize);
        _end = _next + BlockSize;
        _started = true;
    }
}

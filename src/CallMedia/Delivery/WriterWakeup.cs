using System.Threading.Tasks.Sources;

namespace CallMedia.Delivery;

/// <summary>
/// Wakes a connection's one <see cref="ViewerWriter"/> when its queue gets items. A wake-up is either queued (the
/// writer's continuation goes to the thread pool, as a channel would do) or <b>inline</b>: the waking thread runs the
/// writer's next iteration itself — drain, frame, one send — and gets back when the writer waits again or
/// its send could not complete at once (the rest then completes on the socket's own completion). Inline wake-ups are
/// what the publisher's fan-out uses once the stream's lock is released: a viewer that keeps up is written by the
/// publisher's thread without a thread-pool hop, as nginx-rtmp's single event loop does. A writer that is busy (a send
/// pending, a wait for room) is not waiting: a wake-up then only marks the queue as signalled.
/// </summary>
/// <remarks>One waiter at a time (the writer); any number of wakers. No allocation per wait.</remarks>
internal sealed class WriterWakeup : IValueTaskSource
{
    private const int Idle = 0;
    private const int Signalled = 1;
    private const int Waiting = 2;

    private ManualResetValueTaskSourceCore<bool> _core;
    private int _state;
    private CancellationToken _registeredFor;
    private CancellationTokenRegistration _registration;

    /// <summary>
    /// Completes at the next wake-up (at once when one came since the last wait). Cancelling
    /// <paramref name="cancellationToken"/> wakes it too; the caller checks the token.
    /// </summary>
    public ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken != _registeredFor)
        {
            // The writer passes the same token at every wait: one registration per connection, not per wait.
            _registration.Dispose();
            _registeredFor = cancellationToken;
            _registration = cancellationToken.UnsafeRegister(static s => ((WriterWakeup)s!).Wake(inline: false), this);
        }
        if (Interlocked.CompareExchange(ref _state, Idle, Signalled) == Signalled)
            return ValueTask.CompletedTask;
        _core.Reset();
        if (Interlocked.CompareExchange(ref _state, Waiting, Idle) != Idle)
        {
            // Signalled in between.
            Volatile.Write(ref _state, Idle);
            return ValueTask.CompletedTask;
        }
        return new ValueTask(this, _core.Version);
    }

    /// <summary>
    /// <see cref="WaitAsync"/> without an await: false when a wake-up came since the last wait (go on at once), else
    /// true, and <paramref name="onWake"/>(<paramref name="state"/>) is called at the next wake-up — on the waking thread
    /// for an inline one, on the thread pool otherwise (a cancellation of the token too). Saves the writer an async
    /// method to resume per wake-up.
    /// </summary>
    public bool WaitThen(CancellationToken cancellationToken, Action<object?> onWake, object? state)
    {
        if (WaitAsync(cancellationToken).IsCompleted)
            return false;
        _core.OnCompleted(onWake, state, _core.Version, ValueTaskSourceOnCompletedFlags.None);
        return true;
    }

    /// <summary>
    /// Wakes the writer if it waits (else marks a wake-up for its next wait). <paramref name="inline"/>: the writer's
    /// continuation runs on this thread before <see cref="Wake"/> returns — never call it inline while holding a lock
    /// the writer or a connection's close path takes.
    /// </summary>
    public void Wake(bool inline)
    {
        while (true)
        {
            var state = Volatile.Read(ref _state);
            if (state == Signalled)
                return;
            if (state == Idle)
            {
                if (Interlocked.CompareExchange(ref _state, Signalled, Idle) == Idle)
                    return;
                continue;
            }
            if (Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
            {
                _core.RunContinuationsAsynchronously = !inline;
                _core.SetResult(true);
                return;
            }
        }
    }

    /// <summary>
    /// Drops the registration on the writer's token (the writer ended; called from the writer, like
    /// <see cref="WaitAsync"/>): a token that outlives the connection, such as an HTTP request's, no longer holds this.
    /// </summary>
    public void StopWatchingCancellation()
    {
        _registration.Dispose();
        _registration = default;
        _registeredFor = default;
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}

namespace CallService.Storage;

/// <summary>
/// The queue of a group commit, shared by the SQLite and PostgreSQL stores: callers hand in writes and get a task that
/// completes once the batch carrying their write is committed (or faults with the error recorded for that write); one
/// writer per store (<see cref="Sqlite.SqliteGroupCommit"/>: a dedicated thread; <see cref="Postgres.PostgresGroupCommit"/>:
/// async loops, one batch each in flight) takes everything pending, up to <see cref="MaxBatch"/>, writes it in one
/// transaction and completes it.
/// No caller's thread waits for a commit: a request awaits its task, so the thread pool does not grow with commits in
/// flight (measured: docs/performance-notes.md).
/// </summary>
/// <remarks>
/// Writes are taken in the order they were queued; a caller that needs two of its writes in order queues the second
/// once the first completed (the coordinator holds one write per call in flight). Completions run their continuations
/// asynchronously (<see cref="TaskCreationOptions.RunContinuationsAsynchronously"/>), never on the writer.
/// </remarks>
/// <typeparam name="TWrite">The store's write.</typeparam>
/// <param name="store">The store's name in the write-latency metric (<see cref="StoreMetrics"/>): sqlite or postgres.</param>
internal sealed class GroupCommitQueue<TWrite>(string store)
{
    /// <summary>Most writes in one transaction: bounds the time one commit holds the writer and the rows of a retry.</summary>
    public const int MaxBatch = 512;

    private readonly object _gate = new();
    private List<Pending> _queue = [];
    private bool _stopped;
    private bool _threadWaiting;
    private bool _inline;
    private TaskCompletionSource<bool>? _loopWaiting;

    /// <summary>
    /// Queues <paramref name="write"/>; the task completes once the batch that carried it is committed, with the
    /// write's <see cref="Pending.Value"/>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The store is shut down.</exception>
    public Task<bool> Enqueue(TWrite write)
    {
        var pending = new Pending(write);
        TaskCompletionSource<bool>? wake;
        lock (_gate)
        {
            if (_stopped) throw new ObjectDisposedException(nameof(GroupCommitQueue<TWrite>), "The store is shut down.");
            _queue.Add(pending);
            if (_threadWaiting)
            {
                _threadWaiting = false;
                Monitor.Pulse(_gate); // the writer thread sleeps on the queue itself: no thread-pool hop to wake it
            }
            (wake, _loopWaiting) = (_loopWaiting, null);
        }
        wake?.TrySetResult(true);
        return pending.Done;
    }

    /// <summary>Waits (asynchronously) for the next batch: everything queued so far, up to <see cref="MaxBatch"/>; null once stopped and drained.</summary>
    public async ValueTask<List<Pending>?> TakeAsync()
    {
        while (true)
        {
            TaskCompletionSource<bool> waiting;
            lock (_gate)
            {
                if (_queue.Count > 0) return TakeLocked();
                if (_stopped) return null;
                waiting = _loopWaiting ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            await waiting.Task.ConfigureAwait(false);
        }
    }

    /// <summary>As <see cref="TakeAsync"/>, blocking the calling thread (a writer's own thread) while nothing is queued.</summary>
    public List<Pending>? Take()
    {
        lock (_gate)
        {
            while ((_queue.Count == 0 || _inline) && !_stopped)
            {
                _threadWaiting = true;
                Monitor.Wait(_gate);
            }
            _threadWaiting = false; // woken by an inline write's end too, which does not clear it: busy from here on
            return _queue.Count > 0 ? TakeLocked() : null;
        }
    }

    /// <summary>
    /// Gives the writer's role to the caller for one write of its own when nothing is queued and the writer thread is
    /// asleep (an idle store): the caller writes at once on its own thread, with no wake-up of the writer and no hop of
    /// the completion to another thread. True: the caller writes, then calls <see cref="EndInline"/>; writes queued
    /// meanwhile wait for it, in order. False: the caller queues as usual (<see cref="Enqueue"/>).
    /// </summary>
    public bool TryBeginInline()
    {
        lock (_gate)
        {
            if (_stopped || _inline || _queue.Count > 0 || !_threadWaiting) return false;
            _inline = true;
            return true;
        }
    }

    /// <summary>Ends a write begun with <see cref="TryBeginInline"/>; wakes the writer thread when writes were queued meanwhile.</summary>
    public void EndInline()
    {
        lock (_gate)
        {
            _inline = false;
            if (_queue.Count > 0 || _stopped) Monitor.PulseAll(_gate);
        }
    }

    /// <summary>True while a writer thread sleeps in <see cref="Take"/> on an empty queue.</summary>
    public bool WriterWaiting
    {
        get { lock (_gate) return _threadWaiting; }
    }

    /// <summary>
    /// Takes what is queued now, up to <paramref name="max"/> writes, without waiting; null when nothing is (a writer that
    /// waited a commit window for more writes: <see cref="Sqlite.SqliteGroupCommit"/>).
    /// </summary>
    public List<Pending>? TryTake(int max)
    {
        lock (_gate)
        {
            if (_queue.Count == 0 || max <= 0) return null;
            var n = Math.Min(max, _queue.Count);
            var taken = _queue.GetRange(0, n);
            _queue.RemoveRange(0, n);
            return taken;
        }
    }

    private List<Pending> TakeLocked()
    {
        if (_queue.Count <= MaxBatch)
        {
            var all = _queue;
            _queue = new List<Pending>(Math.Min(MaxBatch, Math.Max(4, all.Count)));
            return all;
        }
        var batch = _queue.GetRange(0, MaxBatch);
        _queue.RemoveRange(0, MaxBatch);
        return batch;
    }

    /// <summary>
    /// Completes a written batch: each write succeeds, or fails with its <see cref="Pending.Error"/> (or
    /// <paramref name="batchError"/> when it has none), and its latency is recorded.
    /// </summary>
    public void Complete(IReadOnlyList<Pending> batch, Exception? batchError = null)
    {
        StoreMetrics.Batch(store, batch.Count);
        foreach (var p in batch) p.Finish(store, batchError);
    }

    /// <summary>No more writes are taken; the writer finishes what is queued, then <see cref="Take"/> returns null.</summary>
    public void Stop()
    {
        TaskCompletionSource<bool>? wake;
        lock (_gate)
        {
            _stopped = true;
            Monitor.PulseAll(_gate);
            (wake, _loopWaiting) = (_loopWaiting, null);
        }
        wake?.TrySetResult(false);
    }

    /// <summary>One queued write and its outcome.</summary>
    internal sealed class Pending(TWrite write)
    {
        private readonly TaskCompletionSource<bool> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly long _queued = System.Diagnostics.Stopwatch.GetTimestamp();

        public TWrite Write { get; } = write;

        /// <summary>Why this write failed; set by the writer before <see cref="GroupCommitQueue{TWrite}.Complete"/>.</summary>
        public Exception? Error { get; set; }

        /// <summary>The write's answer (e.g. whether a busy claim won), set by the writer; the value of <see cref="Done"/>.</summary>
        public bool Value { get; set; } = true;

        /// <summary>
        /// Completed by the writer itself (no continuation of the store's in between), so a caller's task is complete
        /// once its batch is committed even while the thread pool is starved; only the caller's own continuation needs a
        /// pool thread.
        /// </summary>
        public Task<bool> Done => _done.Task;

        internal void Finish(string store, Exception? batchError)
        {
            var error = Error ?? batchError;
            StoreMetrics.Write(store, _queued, error is null);
            if (error is null) _done.TrySetResult(Value);
            else _done.TrySetException(error);
        }
    }
}

using System.Runtime.ExceptionServices;

namespace CallService.Storage;

/// <summary>
/// The batching half of a group commit, shared by the SQLite and PostgreSQL stores: concurrent writes queue here; the
/// first caller to find no batch in progress becomes the leader and hands everything queued so far to the store's
/// batch writer (one transaction, with the store's own retry rules); the others wait for that batch. Every caller
/// returns only once its own write is done, and throws the error recorded for it.
/// </summary>
/// <remarks>
/// Each waiter sleeps on its own <see cref="Pending"/> and is woken exactly once: by the leader that wrote its batch,
/// or by the leader before it to lead the next batch. (A single monitor with <c>PulseAll</c> woke every waiter after
/// every batch, and each woken thread queued again on the one lock: measured on signaling at 300/s, see
/// docs/performance-notes.md.)
/// </remarks>
/// <typeparam name="TWrite">The store's write: a delegate that runs one change inside the store's transaction.</typeparam>
/// <param name="writeBatch">
/// Runs a batch. It records a failure on each <see cref="Pending.Error"/> it concerns; an exception it throws fails
/// every write of the batch that has no error yet.
/// </param>
/// <param name="store">The store's name in the write-latency metric (<see cref="StoreMetrics"/>): sqlite or postgres.</param>
internal sealed class GroupCommitQueue<TWrite>(Action<IReadOnlyList<GroupCommitQueue<TWrite>.Pending>> writeBatch, string store)
    where TWrite : Delegate
{
    private readonly Lock _queueGate = new();
    private List<Pending> _queue = [];
    private bool _writing;

    /// <summary>Queues <paramref name="write"/> and returns once the batch that carried it is done.</summary>
    public void Run(TWrite write)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var mine = new Pending(write);
        bool lead;
        lock (_queueGate)
        {
            _queue.Add(mine);
            lead = !_writing;
            _writing = true;
        }
        if (!lead)
            lead = mine.WaitUntilDoneOrLeading();
        if (lead)
        {
            List<Pending> batch;
            lock (_queueGate)
            {
                batch = _queue;
                _queue = new List<Pending>(Math.Max(4, batch.Count));
            }
            try
            {
                writeBatch(batch);
            }
            catch (Exception e)
            {
                foreach (var p in batch) p.Error ??= e;
            }
            Pending? next = null;
            lock (_queueGate)
            {
                if (_queue.Count > 0) next = _queue[0];
                else _writing = false;
            }
            next?.Promote(); // first: the next batch (its write is in the queue it will take) is the critical path
            foreach (var p in batch)
                if (p != mine) p.Finish();
        }
        StoreMetrics.Write(store, started, mine.Error is null);
        if (mine.Error is { } error) ExceptionDispatchInfo.Throw(error);
    }

    /// <summary>One queued write and its outcome.</summary>
    internal sealed class Pending(TWrite write)
    {
        private bool _done;
        private bool _leading;

        public TWrite Write { get; } = write;
        public Exception? Error { get; set; }

        /// <summary>Sleeps until a leader wrote this write (false) or this caller is to lead the next batch (true).</summary>
        public bool WaitUntilDoneOrLeading()
        {
            lock (this)
            {
                while (!_done && !_leading) Monitor.Wait(this);
                return !_done;
            }
        }

        /// <summary>Its batch is written (<see cref="Error"/> is set when it failed): wakes its caller.</summary>
        public void Finish()
        {
            lock (this)
            {
                _done = true;
                Monitor.Pulse(this);
            }
        }

        /// <summary>Makes its caller the leader of the next batch (which carries its own write).</summary>
        public void Promote()
        {
            lock (this)
            {
                _leading = true;
                Monitor.Pulse(this);
            }
        }
    }
}

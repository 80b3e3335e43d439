using System.Runtime.ExceptionServices;

namespace CallService.Storage;

/// <summary>
/// The batching half of a group commit, shared by the SQLite and PostgreSQL stores: concurrent writes queue here; the
/// first caller to find no batch in progress becomes the leader and hands everything queued so far to the store's
/// batch writer (one transaction, with the store's own retry rules); the others wait for that batch. Every caller
/// returns only once its own write is done, and throws the error recorded for it.
/// </summary>
/// <typeparam name="TWrite">The store's write: a delegate that runs one change inside the store's transaction.</typeparam>
/// <param name="writeBatch">
/// Runs a batch. It records a failure on each <see cref="Pending.Error"/> it concerns; an exception it throws fails
/// every write of the batch that has no error yet.
/// </param>
/// <param name="store">The store's name in the write-latency metric (<see cref="StoreMetrics"/>): sqlite or postgres.</param>
internal sealed class GroupCommitQueue<TWrite>(Action<IReadOnlyList<GroupCommitQueue<TWrite>.Pending>> writeBatch, string store)
    where TWrite : Delegate
{
    private readonly object _queueGate = new();
    private List<Pending> _queue = [];
    private bool _writing;

    /// <summary>Queues <paramref name="write"/> and returns once the batch that carried it is done.</summary>
    public void Run(TWrite write)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var mine = new Pending(write);
        List<Pending> batch;
        lock (_queueGate)
        {
            _queue.Add(mine);
            while (_writing && !mine.Done) Monitor.Wait(_queueGate);
            if (!mine.Done)
            {
                _writing = true;
                batch = _queue;
                _queue = new List<Pending>(Math.Max(4, batch.Count));
            }
            else batch = [];
        }
        if (batch.Count > 0)
        {
            try
            {
                writeBatch(batch);
            }
            catch (Exception e)
            {
                foreach (var p in batch) p.Error ??= e;
            }
            finally
            {
                lock (_queueGate)
                {
                    foreach (var p in batch) p.Done = true;
                    _writing = false;
                    Monitor.PulseAll(_queueGate);
                }
            }
        }
        StoreMetrics.Write(store, started, mine.Error is null);
        if (mine.Error is { } error) ExceptionDispatchInfo.Throw(error);
    }

    /// <summary>One queued write and its outcome.</summary>
    internal sealed class Pending(TWrite write)
    {
        public TWrite Write { get; } = write;
        public bool Done { get; set; }
        public Exception? Error { get; set; }
    }
}

using System.Runtime.ExceptionServices;
using Microsoft.Data.Sqlite;

namespace CallService.Storage.Sqlite;

/// <summary>
/// Group commit: concurrent writes share one transaction. The first caller to find no write in progress becomes the
/// leader and runs everything queued so far in one transaction; the others wait for that commit. Every caller
/// returns only once its own write is committed, and throws when it could not be (a failed batch is retried one
/// write per transaction, so one bad write fails only its own caller). Writes must be safe to run again after a
/// rollback.
/// </summary>
internal sealed class SqliteGroupCommit(Func<SqliteConnection> connection, Lock writerGate, Action committed)
{
    private readonly object _queueGate = new();
    private List<Pending> _queue = [];
    private bool _writing;

    /// <summary>Runs <paramref name="write"/> inside a (shared) transaction and returns its result once committed.</summary>
    public T Run<T>(Func<SqliteTransaction, T> write)
    {
        T result = default!;
        var mine = new Pending(tx => result = write(tx));
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
                WriteBatch(batch);
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
        if (mine.Error is { } error) ExceptionDispatchInfo.Throw(error);
        return result;
    }

    private void WriteBatch(List<Pending> batch)
    {
        lock (writerGate)
        {
            try
            {
                using var tx = connection().BeginTransaction();
                foreach (var p in batch) p.Write(tx);
                tx.Commit();
                committed();
                return;
            }
            catch (Exception e) when (batch.Count == 1)
            {
                batch[0].Error = e;
                return;
            }
            catch (Exception)
            {
                // Retried alone below: only the writes that fail on their own report a failure.
            }
            foreach (var p in batch)
            {
                try
                {
                    using var tx = connection().BeginTransaction();
                    p.Write(tx);
                    tx.Commit();
                    committed();
                }
                catch (Exception e)
                {
                    p.Error = e;
                }
            }
        }
    }

    private sealed class Pending(Action<SqliteTransaction> write)
    {
        public Action<SqliteTransaction> Write { get; } = write;
        public bool Done { get; set; }
        public Exception? Error { get; set; }
    }
}

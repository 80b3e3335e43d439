using Microsoft.Data.Sqlite;

namespace CallService.Storage.Sqlite;

/// <summary>
/// Group commit on SQLite (batching: <see cref="GroupCommitQueue{TWrite}"/>): concurrent writes share one transaction;
/// every caller returns only once its own write is committed, and throws when it could not be (a failed batch is
/// retried one write per transaction, so one bad write fails only its own caller). Writes must be safe to run again
/// after a rollback.
/// </summary>
internal sealed class SqliteGroupCommit
{
    private readonly Func<SqliteConnection> _connection;
    private readonly Lock _writerGate;
    private readonly Action _committed;
    private readonly GroupCommitQueue<Action<SqliteTransaction>> _queue;

    public SqliteGroupCommit(Func<SqliteConnection> connection, Lock writerGate, Action committed)
    {
        _connection = connection;
        _writerGate = writerGate;
        _committed = committed;
        _queue = new GroupCommitQueue<Action<SqliteTransaction>>(WriteBatch, "sqlite");
    }

    /// <summary>Runs <paramref name="write"/> inside a (shared) transaction and returns its result once committed.</summary>
    public T Run<T>(Func<SqliteTransaction, T> write)
    {
        T result = default!;
        _queue.Run(tx => result = write(tx));
        return result;
    }

    private void WriteBatch(IReadOnlyList<GroupCommitQueue<Action<SqliteTransaction>>.Pending> batch)
    {
        lock (_writerGate)
        {
            try
            {
                using var tx = _connection().BeginTransaction();
                foreach (var p in batch) p.Write(tx);
                tx.Commit();
                _committed();
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
                    using var tx = _connection().BeginTransaction();
                    p.Write(tx);
                    tx.Commit();
                    _committed();
                }
                catch (Exception e)
                {
                    p.Error = e;
                }
            }
        }
    }
}

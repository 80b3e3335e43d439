using Npgsql;

namespace CallService.Storage.Postgres;

/// <summary>
/// Group commit on PostgreSQL (batching: <see cref="GroupCommitQueue{TWrite}"/>, as for SQLite): concurrent writes of
/// this process share one transaction on one pooled connection. Every caller returns only once its own write is
/// committed, and throws when it could not be. A failed batch (one bad write aborts a PostgreSQL transaction) is retried one write per transaction,
/// so only the writes that fail on their own report a failure; a write that lost a deadlock or a serialization check
/// against another node (SQLSTATE 40P01 / 40001, "PostgreSQL Error Codes") is run again a few times first. Writes must
/// be safe to run again after a rollback.
/// Realtime events the writes of a transaction hand in are written last, numbered in commit order
/// (<see cref="PostgresEventNumbering"/>), and given to the <see cref="Committed"/> receiver once committed.
/// </summary>
internal sealed class PostgresGroupCommit
{
    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Runs of one write alone after a deadlock or serialization failure.</summary>
    private const int Attempts = 4;

    private readonly string _nodeId;
    private readonly GroupCommitQueue<Action<NpgsqlConnection, NpgsqlTransaction, List<StoredEvent>>> _queue;

    public PostgresGroupCommit(NpgsqlDataSource dataSource, string nodeId)
    {
        (_dataSource, _nodeId) = (dataSource, nodeId);
        _queue = new GroupCommitQueue<Action<NpgsqlConnection, NpgsqlTransaction, List<StoredEvent>>>(WriteBatch, "postgres");
    }

    /// <summary>Receives this node's events, numbered, right after the commit that wrote them (it must only queue).</summary>
    public Action<IReadOnlyList<StoredEvent>>? Committed { get; set; }

    /// <summary>Runs <paramref name="write"/> inside a (shared) transaction and returns its result once committed.</summary>
    public T Run<T>(Func<NpgsqlConnection, NpgsqlTransaction, T> write)
    {
        T result = default!;
        _queue.Run((connection, tx, _) => result = write(connection, tx));
        return result;
    }

    /// <summary>
    /// As <see cref="Run{T}(Func{NpgsqlConnection, NpgsqlTransaction, T})"/>; the write adds its realtime events (seq 0:
    /// numbered at commit) to the transaction's list, where they are replaced by the events as written once committed.
    /// </summary>
    public T Run<T>(Func<NpgsqlConnection, NpgsqlTransaction, List<StoredEvent>, T> write)
    {
        T result = default!;
        _queue.Run((connection, tx, events) => result = write(connection, tx, events));
        return result;
    }

    private void WriteBatch(IReadOnlyList<GroupCommitQueue<Action<NpgsqlConnection, NpgsqlTransaction, List<StoredEvent>>>.Pending> batch)
    {
        if (batch.Count > 1)
        {
            try
            {
                using var connection = _dataSource.OpenConnection();
                Commit(connection, batch);
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                // Retried alone below. A broken connection is not reused: a fresh one is taken from the pool.
            }
        }
        foreach (var p in batch)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    using var own = _dataSource.OpenConnection();
                    Commit(own, [p]);
                    break;
                }
                catch (PostgresException e) when (attempt < Attempts && e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
                {
                }
                catch (Exception e)
                {
                    p.Error = e;
                    break;
                }
            }
        }
    }

    private void Commit(NpgsqlConnection connection, IReadOnlyList<GroupCommitQueue<Action<NpgsqlConnection, NpgsqlTransaction, List<StoredEvent>>>.Pending> writes)
    {
        using var tx = connection.BeginTransaction();
        var events = new List<StoredEvent>();
        foreach (var p in writes) p.Write(connection, tx, events);
        List<StoredEvent> numbered = [];
        if (events.Count > 0)
        {
            // Last, so the counter's row lock (which orders the numbers as the commits) is held only to the commit.
            var written = PostgresEventNumbering.Write(connection, tx, events, _nodeId);
            numbered = written.Numbered;
            for (var i = 0; i < events.Count; i++) events[i] = written.All[i];
        }
        tx.Commit();
        if (numbered.Count > 0) Committed?.Invoke(numbered);
    }
}

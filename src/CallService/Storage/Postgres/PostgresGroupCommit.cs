using Npgsql;

namespace CallService.Storage.Postgres;

/// <summary>
/// Group commit on PostgreSQL (batching: <see cref="GroupCommitQueue{TWrite}"/>, as for SQLite): concurrent writes of
/// this process share one transaction on one pooled connection. Every caller returns only once its own write is
/// committed, and throws when it could not be. A failed batch (one bad write aborts a PostgreSQL transaction) is retried one write per transaction,
/// so only the writes that fail on their own report a failure; a write that lost a deadlock or a serialization check
/// against another node (SQLSTATE 40P01 / 40001, "PostgreSQL Error Codes") is run again a few times first. Writes must
/// be safe to run again after a rollback.
/// </summary>
internal sealed class PostgresGroupCommit
{
    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Runs of one write alone after a deadlock or serialization failure.</summary>
    private const int Attempts = 4;

    private readonly GroupCommitQueue<Action<NpgsqlConnection, NpgsqlTransaction>> _queue;

    public PostgresGroupCommit(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
        _queue = new GroupCommitQueue<Action<NpgsqlConnection, NpgsqlTransaction>>(WriteBatch, "postgres");
    }

    /// <summary>Runs <paramref name="write"/> inside a (shared) transaction and returns its result once committed.</summary>
    public T Run<T>(Func<NpgsqlConnection, NpgsqlTransaction, T> write)
    {
        T result = default!;
        _queue.Run((connection, tx) => result = write(connection, tx));
        return result;
    }

    private void WriteBatch(IReadOnlyList<GroupCommitQueue<Action<NpgsqlConnection, NpgsqlTransaction>>.Pending> batch)
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

    private static void Commit(NpgsqlConnection connection, IReadOnlyList<GroupCommitQueue<Action<NpgsqlConnection, NpgsqlTransaction>>.Pending> writes)
    {
        using var tx = connection.BeginTransaction();
        foreach (var p in writes) p.Write(connection, tx);
        tx.Commit();
    }
}

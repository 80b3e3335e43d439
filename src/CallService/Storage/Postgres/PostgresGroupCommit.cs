using System.Runtime.ExceptionServices;
using Npgsql;

namespace CallService.Storage.Postgres;

/// <summary>
/// Group commit, as <c>SqliteGroupCommit</c> does it: concurrent writes of this process share one transaction on one
/// pooled connection. The first caller to find no write in progress becomes the leader and runs everything queued so
/// far; the others wait for that commit. Every caller returns only once its own write is committed, and throws when it
/// could not be. A failed batch (one bad write aborts a PostgreSQL transaction) is retried one write per transaction,
/// so only the writes that fail on their own report a failure; a write that lost a deadlock or a serialization check
/// against another node (SQLSTATE 40P01 / 40001, "PostgreSQL Error Codes") is run again a few times first. Writes must
/// be safe to run again after a rollback.
/// </summary>
internal sealed class PostgresGroupCommit(NpgsqlDataSource dataSource)
{
    /// <summary>Runs of one write alone after a deadlock or serialization failure.</summary>
    private const int Attempts = 4;

    private readonly object _queueGate = new();
    private List<Pending> _queue = [];
    private bool _writing;

    /// <summary>Runs <paramref name="write"/> inside a (shared) transaction and returns its result once committed.</summary>
    public T Run<T>(Func<NpgsqlConnection, NpgsqlTransaction, T> write)
    {
        T result = default!;
        var mine = new Pending((connection, tx) => result = write(connection, tx));
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
        if (batch.Count > 1)
        {
            try
            {
                using var connection = dataSource.OpenConnection();
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
                    using var own = dataSource.OpenConnection();
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

    private static void Commit(NpgsqlConnection connection, List<Pending> writes)
    {
        using var tx = connection.BeginTransaction();
        foreach (var p in writes) p.Write(connection, tx);
        tx.Commit();
    }

    private sealed class Pending(Action<NpgsqlConnection, NpgsqlTransaction> write)
    {
        public Action<NpgsqlConnection, NpgsqlTransaction> Write { get; } = write;
        public bool Done { get; set; }
        public Exception? Error { get; set; }
    }
}

using Microsoft.Data.Sqlite;

namespace CallService.Storage.Sqlite;

/// <summary>
/// Copies committed WAL frames into the database file on its own thread and connection (PASSIVE: never blocks the
/// writer), not inside a commit: SQLite's automatic checkpoint runs on the committing connection and fsyncs the WAL
/// and the database while the store's lock is held, stalling every write behind it (measured: 1–30 ms, several
/// times a second under load). Commits stay as durable as before (WAL, synchronous=NORMAL).
/// </summary>
internal sealed class SqliteCheckpointer : IDisposable
{
    /// <summary>How often committed WAL frames are copied into the database file.</summary>
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// WAL length (frames) past which the checkpointer takes the write lock for one short catch-up checkpoint: a WAL is
    /// only restarted (rewritten from its start, in pages the OS already holds) once every frame has been copied, which
    /// never happens while commits keep arriving during an unlocked checkpoint. 16,384 frames ≈ 64 MiB.
    /// </summary>
    private const long WalCatchUpFrames = 16_384;

    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _writerGate;
    private readonly Thread _thread;
    private int _commitsSinceCheckpoint;

    private SqliteCheckpointer(SqliteConnection connection, Lock writerGate)
    {
        _writerGate = writerGate;
        _thread = new Thread(() => Loop(connection)) { IsBackground = true, Name = "sqlite checkpoint" };
        _thread.Start();
    }

    /// <summary>
    /// Starts the checkpointer and turns off the writer's automatic checkpoints; null when its connection cannot be
    /// opened (the writer then keeps SQLite's automatic checkpoints).
    /// </summary>
    public static SqliteCheckpointer? TryStart(string filePath, SqliteConnection writer, Lock writerGate)
    {
        SqliteConnection connection;
        try
        {
            connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = filePath, Pooling = false }.ToString());
            connection.Open();
            using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA busy_timeout=5000;";
            pragma.ExecuteNonQuery();
        }
        catch (SqliteException)
        {
            return null;
        }
        using (var off = writer.CreateCommand())
        {
            off.CommandText = "PRAGMA wal_autocheckpoint=0;";
            off.ExecuteNonQuery();
        }
        return new SqliteCheckpointer(connection, writerGate);
    }

    /// <summary>Called after every commit: there is something to checkpoint.</summary>
    public void Committed() => Interlocked.Increment(ref _commitsSinceCheckpoint);

    private void Loop(SqliteConnection connection)
    {
        using (connection)
        using (var checkpoint = connection.CreateCommand())
        {
            checkpoint.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
            var stop = _stop.Token;
            while (!stop.WaitHandle.WaitOne(Interval))
            {
                if (Interlocked.Exchange(ref _commitsSinceCheckpoint, 0) == 0) continue;
                try
                {
                    if (Checkpoint(checkpoint) >= WalCatchUpFrames)
                        lock (_writerGate) Checkpoint(checkpoint); // only the frames committed since: short, then the WAL restarts
                }
                catch (SqliteException)
                {
                    Interlocked.Increment(ref _commitsSinceCheckpoint); // try again next round
                }
            }
        }
    }

    /// <summary>Runs the checkpoint; returns the WAL's length in frames.</summary>
    private static long Checkpoint(SqliteCommand checkpoint)
    {
        using var result = checkpoint.ExecuteReader();
        return result.Read() ? result.GetInt64(1) : 0;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
    }
}

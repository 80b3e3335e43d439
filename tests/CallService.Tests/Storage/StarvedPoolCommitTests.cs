using CallService.Storage.Sqlite;
using CallService.Tests.Support;
using Microsoft.Data.Sqlite;

namespace CallService.Tests.Storage;

/// <summary>
/// The SQLite writer needs no thread-pool thread for its own progress: with every pool thread blocked, a queued write is
/// committed and its task completed by the writer thread; only the caller's continuation waits for the pool. Runs
/// alone (it starves this process's pool on purpose, briefly).
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class StarvedPoolCommitTests : IDisposable
{
    /// <summary>Pool work items queued beyond the pool's threads: the pool adds threads slowly when starved, so a work item queued after these does not run for many seconds.</summary>
    private const int Backlog = 64;

    private readonly SqliteConnection _connection = new("Data Source=:memory:;Pooling=false");
    private readonly Lock _gate = new();
    private readonly SqliteGroupCommit _commit;

    public StarvedPoolCommitTests()
    {
        _connection.Open();
        using var create = _connection.CreateCommand();
        create.CommandText = "CREATE TABLE rows(value INTEGER NOT NULL)";
        create.ExecuteNonQuery();
        _commit = new SqliteGroupCommit(() => _connection, _gate, () => { });
    }

    [Fact]
    public async Task WithEveryPoolThreadBlocked_AQueuedWriteIsCommitted_AndItsTaskCompleted()
    {
        // Holds the writer's role so that the write below is queued to the writer thread, not written inline.
        var (blocker, releaseBlocker) = SqliteGroupCommitTests.Blocker(_commit, tx => Insert(tx, -1));
        var queued = _commit.SaveAsync(tx => Insert(tx, 1));

        var poolReleased = 0; // an int, not an event: blockers still queued after the test must find it, not a disposed handle
        var probeRan = 0;
        try
        {
            var blockers = ThreadPool.ThreadCount + Backlog;
            for (var i = 0; i < blockers; i++)
                ThreadPool.UnsafeQueueUserWorkItem(_ =>
                {
                    for (var t = 0; t < 6000 && Volatile.Read(ref poolReleased) == 0; t++) Thread.Sleep(10); // at most 60 s
                }, null);
            ThreadPool.UnsafeQueueUserWorkItem(_ => Interlocked.Exchange(ref probeRan, 1), null);

            releaseBlocker.Set();
            for (var i = 0; i < 500 && !queued.IsCompleted; i++) Thread.Sleep(20); // hang guard: 10 s

            Assert.True(queued.IsCompletedSuccessfully, "the write's task did not complete while the pool was starved");
            Assert.True(await queued); // complete: no continuation, no pool thread needed
            Assert.Equal(0, Volatile.Read(ref probeRan)); // the pool was starved the whole time
        }
        finally
        {
            Volatile.Write(ref poolReleased, 1);
        }
        Assert.True(await blocker.WaitAsync(TimeSpan.FromSeconds(30)));
        lock (_gate)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "SELECT group_concat(value) FROM rows";
            Assert.Equal("-1,1", cmd.ExecuteScalar());
        }
    }

    private bool Insert(SqliteTransaction tx, int value)
    {
        using var cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "INSERT INTO rows(value) VALUES($v)";
        cmd.Parameters.AddWithValue("$v", value);
        return cmd.ExecuteNonQuery() == 1;
    }

    public void Dispose()
    {
        _commit.Dispose();
        _connection.Dispose();
    }
}

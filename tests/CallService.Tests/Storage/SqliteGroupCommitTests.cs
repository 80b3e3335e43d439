using CallService.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace CallService.Tests.Storage;

/// <summary>
/// The SQLite writer loop: one thread takes every pending write, commits them in one transaction, in queue order, and
/// completes each caller's task; a failure reaches exactly the writes it concerns, and the loop goes on.
/// </summary>
public sealed class SqliteGroupCommitTests : IDisposable
{
    private readonly SqliteConnection _connection = new("Data Source=:memory:;Pooling=false");
    private readonly Lock _gate = new();
    private int _commits;
    private volatile bool _broken;
    private readonly SqliteGroupCommit _commit;

    public SqliteGroupCommitTests()
    {
        _connection.Open();
        using var create = _connection.CreateCommand();
        create.CommandText = "CREATE TABLE rows(id INTEGER PRIMARY KEY AUTOINCREMENT, value INTEGER NOT NULL)";
        create.ExecuteNonQuery();
        _commit = new SqliteGroupCommit(
            () => _broken ? throw new InvalidOperationException("connection lost") : _connection, _gate, () => Interlocked.Increment(ref _commits));
    }

    [Fact]
    public async Task WritesQueuedWhileTheWriterIsBusy_GoInOneTransaction_InQueueOrder()
    {
        var (blocker, release) = Blocker();

        var writes = Enumerable.Range(0, 100).Select(i => _commit.RunAsync(tx => Insert(tx, i))).ToList();
        Assert.All(writes, w => Assert.False(w.IsCompleted)); // none is committed while the writer is busy
        release.Set();
        await Task.WhenAll(writes).WaitAsync(TimeSpan.FromSeconds(30));
        await blocker;

        Assert.Equal(2, Volatile.Read(ref _commits)); // the blocker's transaction, then all 100 in one
        Assert.Equal([-1, .. Enumerable.Range(0, 100)], Values());
    }

    [Fact]
    public async Task AFailedBatch_FailsEveryWaiter_AndAWriteAfterwardsSucceeds()
    {
        var (blocker, release) = Blocker();
        var writes = Enumerable.Range(0, 10).Select(i => _commit.RunAsync(tx => Insert(tx, i))).ToList();
        _broken = true; // the next transaction cannot begin
        release.Set();
        await blocker;

        foreach (var w in writes)
            Assert.Equal("connection lost", (await Assert.ThrowsAsync<InvalidOperationException>(() => w.WaitAsync(TimeSpan.FromSeconds(30)))).Message);
        _broken = false;
        Assert.Equal(1, await _commit.RunAsync(tx => Insert(tx, 42)).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal([-1, 42], Values());
    }

    [Fact]
    public async Task AWriteThatFails_FailsOnlyItsCaller()
    {
        var (blocker, release) = Blocker();
        var writes = Enumerable.Range(0, 6)
            .Select(i => _commit.RunAsync(tx => i == 3 ? throw new ArgumentException("bad row") : Insert(tx, i))).ToList();
        release.Set();
        await blocker;

        for (var i = 0; i < writes.Count; i++)
        {
            if (i == 3) await Assert.ThrowsAsync<ArgumentException>(() => writes[i]);
            else Assert.Equal(1, await writes[i].WaitAsync(TimeSpan.FromSeconds(30)));
        }
        Assert.Equal([-1, 0, 1, 2, 4, 5], Values());
    }

    /// <summary>A write that holds the writer thread until released; returns once the writer is inside it.</summary>
    private (Task<int> Write, ManualResetEventSlim Release) Blocker()
    {
        var inside = new ManualResetEventSlim();
        var release = new ManualResetEventSlim();
        var write = _commit.RunAsync(tx =>
        {
            inside.Set();
            release.Wait(TimeSpan.FromSeconds(30));
            return Insert(tx, -1);
        });
        Assert.True(inside.Wait(TimeSpan.FromSeconds(30)), "the writer did not take the first write");
        return (write, release);
    }

    private int Insert(SqliteTransaction tx, int value)
    {
        using var cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "INSERT INTO rows(value) VALUES($v)";
        cmd.Parameters.AddWithValue("$v", value);
        return cmd.ExecuteNonQuery();
    }

    private List<int> Values()
    {
        lock (_gate)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "SELECT value FROM rows ORDER BY id";
            using var r = cmd.ExecuteReader();
            var values = new List<int>();
            while (r.Read()) values.Add(r.GetInt32(0));
            return values;
        }
    }

    public void Dispose()
    {
        _commit.Dispose();
        _connection.Dispose();
    }
}

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

        var writes = Enumerable.Range(0, 100).Select(i => _commit.SaveAsync(tx => Insert(tx, i) == 1)).ToList();
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
        var writes = Enumerable.Range(0, 10).Select(i => _commit.SaveAsync(tx => Insert(tx, i) == 1)).ToList();
        _broken = true; // the next transaction cannot begin
        release.Set();
        await blocker;

        foreach (var w in writes)
            Assert.Equal("connection lost", (await Assert.ThrowsAsync<InvalidOperationException>(() => w.WaitAsync(TimeSpan.FromSeconds(30)))).Message);
        _broken = false;
        Assert.True(await _commit.SaveAsync(tx => Insert(tx, 42) == 1).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal([-1, 42], Values());
    }

    [Fact]
    public async Task AWriteThatFails_FailsOnlyItsCaller()
    {
        var (blocker, release) = Blocker();
        var writes = Enumerable.Range(0, 6)
            .Select(i => _commit.SaveAsync(tx => i == 3 ? throw new ArgumentException("bad row") : Insert(tx, i) == 1)).ToList();
        release.Set();
        await blocker;

        for (var i = 0; i < writes.Count; i++)
        {
            if (i == 3) await Assert.ThrowsAsync<ArgumentException>(() => writes[i]);
            else Assert.True(await writes[i].WaitAsync(TimeSpan.FromSeconds(30)));
        }
        Assert.Equal([-1, 0, 1, 2, 4, 5], Values());
    }

    [Fact]
    public async Task OnAnIdleStore_TheCallerWritesItself_AndGetsACompletedTask()
    {
        await _commit.SaveAsync(tx => Insert(tx, 0) == 1).WaitAsync(TimeSpan.FromSeconds(30));
        var caller = Environment.CurrentManagedThreadId;
        var inline = false;
        for (var i = 1; i <= 200 && !inline; i++) // the writer goes back to sleep after the first write
        {
            var writer = -1;
            var write = _commit.SaveAsync(tx =>
            {
                writer = Environment.CurrentManagedThreadId;
                return Insert(tx, i) == 1;
            });
            inline = write.IsCompletedSuccessfully && writer == caller;
            Assert.True(await write.WaitAsync(TimeSpan.FromSeconds(30)));
            if (!inline) Thread.Sleep(10);
        }
        Assert.True(inline, "no write on the idle store was written on the caller's thread");
        Assert.Equal(Values().Count, Volatile.Read(ref _commits)); // one transaction per write: nothing was waiting
    }

    /// <summary>
    /// A write that holds the writer's role until released (written inline by a thread of its own, or by the writer
    /// thread); returns once it is inside the write.
    /// </summary>
    internal static (Task<bool> Write, ManualResetEventSlim Release) Blocker(SqliteGroupCommit commit, Func<SqliteTransaction, bool> write)
    {
        var inside = new ManualResetEventSlim();
        var release = new ManualResetEventSlim();
        var source = new TaskCompletionSource<Task<bool>>();
        var thread = new Thread(() => source.SetResult(commit.SaveAsync(tx =>
        {
            inside.Set();
            release.Wait(TimeSpan.FromSeconds(30));
            return write(tx);
        }))) { IsBackground = true };
        thread.Start();
        Assert.True(inside.Wait(TimeSpan.FromSeconds(30)), "the first write was not taken");
        return (source.Task.Unwrap(), release);
    }

    private (Task<bool> Write, ManualResetEventSlim Release) Blocker() => Blocker(_commit, tx => Insert(tx, -1) == 1);

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

    [Fact]
    public async Task OnAnIdleStore_AWriteRunsOnItsCallersThread_WithOrWithoutACommitWindow()
    {
        var caller = Environment.CurrentManagedThreadId;
        var windows = 0; // counted, not thrown: the writer thread would end the test host
        using var windowed = new SqliteGroupCommit(() => _connection, _gate, () => Interlocked.Increment(ref _commits), TimeSpan.FromMilliseconds(1),
            _ => Interlocked.Increment(ref windows));
        foreach (var (commit, value) in new[] { (_commit, 1), (windowed, 2) })
        {
            int? ranOn = null;
            Assert.True(await WhenTheWriterSleeps(commit).SaveAsync(tx => { ranOn = Environment.CurrentManagedThreadId; return Insert(tx, value) == 1; })
                .WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(caller, ranOn); // the idle-store path
        }
        Assert.Equal([1, 2], Values());
        Assert.Equal(0, Volatile.Read(ref windows)); // a quiet store's write waited for no window
    }

    [Fact]
    public async Task WithACommitWindow_ABusyWritersBatch_TakesWhatQueuesDuringTheWindow_IntoItsCommit()
    {
        var late = new List<Task<bool>>();
        var transactionOf = new Dictionary<int, int>(); // value → the number of commits before its transaction
        SqliteGroupCommit? windowed = null;
        var windows = 0;
        windowed = new SqliteGroupCommit(() => _connection, _gate, () => Interlocked.Increment(ref _commits), TimeSpan.FromMilliseconds(1),
            _ =>
            {
                windows++; // writes that queue while the writer waits out the window
                late.AddRange(Enumerable.Range(100, 3).Select(i => windowed!.SaveAsync(tx => Write(tx, i))));
            });
        using (windowed)
        {
            // The blocker holds the writer's role; the five queue behind it (the writer may take the first alone).
            var (blocker, release) = Blocker(windowed, tx => Write(tx, -1));
            var early = Enumerable.Range(0, 5).Select(i => windowed.SaveAsync(tx => Write(tx, i))).ToList();
            release.Set();
            await blocker;
            await Task.WhenAll(early).WaitAsync(TimeSpan.FromSeconds(30));
            await Task.WhenAll(late).WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(1, windows); // batches of one wait for nothing; the batch of several waited once
        Assert.All([100, 101, 102], v => Assert.Equal(transactionOf[4], transactionOf[v])); // in the waiting batch's commit
        Assert.NotEqual(transactionOf[-1], transactionOf[4]);
        Assert.Equal([-1, 0, 1, 2, 3, 4, 100, 101, 102], Values());

        bool Write(SqliteTransaction tx, int value)
        {
            transactionOf[value] = Volatile.Read(ref _commits);
            return Insert(tx, value) == 1;
        }
    }

    /// <summary>Returns <paramref name="commit"/> once its writer thread sleeps on an empty queue (bounded wait).</summary>
    private static SqliteGroupCommit WhenTheWriterSleeps(SqliteGroupCommit commit)
    {
        var writer = System.Diagnostics.Stopwatch.StartNew();
        while (!commit.WriterWaiting && writer.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(1);
        return commit;
    }

    public void Dispose()
    {
        _commit.Dispose();
        _connection.Dispose();
    }
}

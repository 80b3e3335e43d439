using Microsoft.Data.Sqlite;

namespace CallService.Storage.Sqlite;

/// <summary>
/// Group commit on SQLite: one dedicated writer thread takes every pending write (<see cref="GroupCommitQueue{TWrite}"/>),
/// runs them in one transaction and completes their tasks once committed; a failed batch is retried one write per
/// transaction, so one bad write fails only its own caller. Callers await (<see cref="SaveAsync"/>); a caller's thread
/// takes part in no one else's commit, and no caller's continuation runs on the writer thread. Writes must be safe to
/// run again after a rollback.
/// </summary>
/// <remarks>
/// <b>An idle store.</b> When nothing is queued and the writer thread sleeps, <see cref="SaveAsync"/> writes on the
/// caller's thread (<see cref="GroupCommitQueue{TWrite}.TryBeginInline"/>): waking the writer and handing the completion
/// back to a pool thread cost two thread wake-ups per write on an idle machine, more than the write itself (a WAL
/// append, no fsync with <c>synchronous=NORMAL</c>). Under load writes queue up and the writer batches them as before.
/// <para>
/// <b>A commit window</b> (<see cref="SqliteStorageOptions.CommitWindow"/>: 3 ms when configured by default, none for a
/// store built without configuration), for a busy store only: when
/// the writer takes more than one write at once (they queued while it committed, so they arrive faster than it commits)
/// it waits that long and adds what was queued meanwhile, so more writes share a commit's pages in the WAL. A write
/// that finds the writer asleep is written as on an idle store, and a batch of one is committed at once: a quiet
/// store's writes never wait for the window.
/// </para>
/// </remarks>
internal sealed class SqliteGroupCommit : IDisposable
{
    private readonly Func<SqliteConnection> _connection;
    private readonly Lock _writerGate;
    private readonly Action _committed;
    private readonly GroupCommitQueue<Func<SqliteTransaction, bool>> _queue = new("sqlite");
    private readonly Thread _writer;
    private readonly TimeSpan _window;
    private readonly Action<TimeSpan> _waitWindow;

    /// <param name="connection">The store's one write connection.</param>
    /// <param name="writerGate">Held around every transaction.</param>
    /// <param name="committed">Called after each commit.</param>
    /// <param name="window">The commit window (see remarks); zero: none.</param>
    /// <param name="waitWindow">How the writer waits out the window (tests); <see cref="Thread.Sleep(TimeSpan)"/> by default.</param>
    public SqliteGroupCommit(Func<SqliteConnection> connection, Lock writerGate, Action committed, TimeSpan window = default,
        Action<TimeSpan>? waitWindow = null)
    {
        _window = window;
        _waitWindow = waitWindow ?? Thread.Sleep;
        _connection = connection;
        _writerGate = writerGate;
        _committed = committed;
        _writer = new Thread(Loop) { IsBackground = true, Name = "sqlite commit" };
        _writer.Start();
    }

    /// <summary>
    /// Runs <paramref name="write"/> inside a (shared) transaction; completes with its answer once committed. The task is
    /// completed by the writer itself (or is already complete when the caller wrote on an idle store), never through a
    /// continuation of the store's: a starved thread pool delays only the caller's own continuation.
    /// </summary>
    public Task<bool> SaveAsync(Func<SqliteTransaction, bool> write)
    {
        if (!_queue.TryBeginInline()) return _queue.Enqueue(write);
        var pending = new GroupCommitQueue<Func<SqliteTransaction, bool>>.Pending(write);
        try
        {
            WriteBatch([pending]);
        }
        finally
        {
            _queue.EndInline();
        }
        _queue.Complete([pending]);
        return pending.Done;
    }

    /// <summary>
    /// As <see cref="SaveAsync"/>, blocking the caller until committed: for the store's rare writes (leases, keys,
    /// webhook attempts, clean-up). The writer is its own thread, so a blocked caller never holds up a commit.
    /// </summary>
    /// <remarks>Waits on the queue's own task, never on a continuation: a caller on a starved thread pool still returns.</remarks>
    public T Run<T>(Func<SqliteTransaction, T> write)
    {
        T result = default!;
        _queue.Enqueue(tx =>
        {
            result = write(tx);
            return true;
        }).GetAwaiter().GetResult();
        return result;
    }

    private void Loop()
    {
        while (_queue.Take() is { } batch)
        {
            if (_window > TimeSpan.Zero && batch.Count is > 1 and < GroupCommitQueue<Func<SqliteTransaction, bool>>.MaxBatch)
            {
                _waitWindow(_window);
                if (_queue.TryTake(GroupCommitQueue<Func<SqliteTransaction, bool>>.MaxBatch - batch.Count) is { } more)
                    batch.AddRange(more);
            }
            try
            {
                WriteBatch(batch);
                _queue.Complete(batch);
            }
            catch (Exception e)
            {
                _queue.Complete(batch, e);
            }
        }
    }

    private void WriteBatch(List<GroupCommitQueue<Func<SqliteTransaction, bool>>.Pending> batch)
    {
        lock (_writerGate)
        {
            try
            {
                using var tx = _connection().BeginTransaction();
                foreach (var p in batch) p.Value = p.Write(tx);
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
                    p.Value = p.Write(tx);
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

    /// <summary>True while the writer thread sleeps on an empty queue (tests).</summary>
    internal bool WriterWaiting => _queue.WriterWaiting;

    /// <summary>Stops taking writes, lets the writer finish what is queued (bounded wait).</summary>
    public void Dispose()
    {
        _queue.Stop();
        _writer.Join(TimeSpan.FromSeconds(10));
    }
}

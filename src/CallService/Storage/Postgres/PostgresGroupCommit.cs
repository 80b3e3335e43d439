using Npgsql;

namespace CallService.Storage.Postgres;

/// <summary>
/// Group commit on PostgreSQL: asynchronous writer loops (<see cref="DefaultWriters"/>) each take every pending write
/// (<see cref="GroupCommitQueue{TWrite}"/>) and commit them in one transaction on the writer's own connection, in
/// <b>one round trip</b>: the busy claims of the batch's new calls, every call change, its webhook rows, the
/// transaction's realtime events (numbered in commit order, <see cref="PostgresEventNumbering"/>) and the <c>COMMIT</c>
/// as one asynchronous <see cref="NpgsqlBatch"/>. When a claim does not win (a busy party) the transaction rolls back and
/// the batch is written again with its claims first (two round trips), which tells which creates lost
/// (<c>PostgresGroupCommit.Transaction.cs</c>). Callers await (<see cref="SaveAsync"/>); no caller's thread takes part.
/// A failed batch (one bad write aborts a PostgreSQL transaction) is retried one write per transaction, so only the
/// writes that fail on their own report a failure; a write that lost a deadlock or a serialization check against
/// another node (SQLSTATE 40P01 / 40001, "PostgreSQL Error Codes") is run again a few times first. Writes must be safe
/// to run again after a rollback. Committed events go to the <see cref="Committed"/> receiver once the batch's callers
/// are completed.
/// </summary>
internal sealed partial class PostgresGroupCommit : IDisposable
{
    /// <summary>
    /// Writer loops, each with its own transaction on its own pooled connection: while one batch waits for its round
    /// trips and its commit, the next batch is written, as two nodes would write it. Safe because a call has at most
    /// one write in flight (the coordinator's gate), so two batches never hold the same call; the busy claims of two
    /// batches order themselves through PostgreSQL's unique index (the second waits for the first's commit), and the
    /// events' numbers follow the commits whatever the number of writers (<see cref="PostgresEventNumbering"/>).
    /// </summary>
    public const int DefaultWriters = 2;

    /// <summary>Most writer loops (<c>Storage:Postgres:Writers</c>).</summary>
    public const int MaxWriters = 8;

    /// <summary>Runs of one write alone after a deadlock or serialization failure.</summary>
    private const int Attempts = 4;

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _nodeId;
    private readonly string _eventChannel;
    private readonly GroupCommitQueue<PostgresWrite> _queue = new("postgres");
    private readonly Task[] _writers;
    private readonly Lock _syncWriter = new();

    public PostgresGroupCommit(NpgsqlDataSource dataSource, string nodeId, int writers, string eventChannel)
    {
        (_dataSource, _nodeId, _eventChannel) = (dataSource, nodeId, eventChannel);
        _writers = [.. Enumerable.Range(0, Math.Clamp(writers, 1, MaxWriters)).Select(_ => Task.Run(LoopAsync))];
    }

    /// <summary>Receives this node's events, numbered, right after the commit that wrote them (it must only queue).</summary>
    public Action<IReadOnlyList<StoredEvent>>? Committed { get; set; }

    /// <summary>Writes one call change with the batch in progress; false when its busy claim lost (nothing written).</summary>
    public ValueTask<bool> SaveAsync(CallWrite write) => new(_queue.Enqueue(new PostgresWrite(write, null)));

    /// <summary>
    /// <see cref="SaveAsync"/> for a caller that blocks: written on the caller's thread (<see cref="WriteAlone"/>).
    /// </summary>
    public bool Save(CallWrite write)
    {
        var pending = new GroupCommitQueue<PostgresWrite>.Pending(new PostgresWrite(write, null));
        WriteAlone(pending);
        return pending.Write.Claimed;
    }

    /// <summary>
    /// Runs <paramref name="write"/> inside a (shared) transaction, blocking the caller until committed: for the store's
    /// rare writes (leases, keys, webhook attempts). Its statements must be one per command (<see cref="PostgresCallMapping"/>).
    /// </summary>
    public T Run<T>(Func<NpgsqlConnection, NpgsqlTransaction, T> write) => Run<T>((connection, tx, _) => write(connection, tx));

    /// <summary>
    /// As <see cref="Run{T}(Func{NpgsqlConnection, NpgsqlTransaction, T})"/>; the write adds its realtime events (seq 0:
    /// numbered at commit) to the transaction's list, where they are replaced by the events as written once committed.
    /// </summary>
    public T Run<T>(Func<NpgsqlConnection, NpgsqlTransaction, List<StoredEvent>, T> write)
    {
        T result = default!;
        WriteAlone(new GroupCommitQueue<PostgresWrite>.Pending(new PostgresWrite(null, (connection, tx, events) => result = write(connection, tx, events))));
        return result;
    }

    /// <summary>
    /// A blocking caller's write, in a transaction of its own on the caller's thread, synchronously, one statement per
    /// command, one such write at a time: the writer loop's I/O completes on thread-pool threads, so a caller that
    /// blocks a pool thread must not wait for the loop (a starved pool would stall both: the store contract's
    /// <c>ConcurrentSaves_FromBlockedPoolThreads_AllComplete</c>). These are the store's rare writes (leases, keys,
    /// webhook attempts, clean-up); the coordinator's call writes go through the loop.
    /// </summary>
    private void WriteAlone(GroupCommitQueue<PostgresWrite>.Pending pending)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        lock (_syncWriter)
        {
            var committed = new List<List<StoredEvent>>(1);
            var done = WriteAloneAsync(pending, async: false, committed);
            System.Diagnostics.Debug.Assert(done.IsCompleted, "a synchronous write completes on the caller's thread");
            done.GetAwaiter().GetResult();
            foreach (var events in committed) if (events.Count > 0) Committed?.Invoke(events);
        }
        StoreMetrics.Write("postgres", started, pending.Error is null);
        if (pending.Error is { } error) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
    }

    /// <summary>
    /// One writer: takes a batch, commits it on the writer's own connection (kept open across batches: a connection
    /// returned to the pool is reset at its next use, <c>DISCARD</c> and <c>RESET ALL</c> statements run by the server
    /// before every batch; Npgsql docs, "No Reset On Close"), completes the callers' tasks, then hands the committed
    /// events on. A failed batch closes the connection (it may be broken); the next batch opens another.
    /// </summary>
    private async Task LoopAsync()
    {
        NpgsqlConnection? own = null;
        try
        {
            while (await _queue.TakeAsync().ConfigureAwait(false) is { } batch)
            {
                var committed = new List<List<StoredEvent>>(1);
                try
                {
                    own ??= await _dataSource.OpenConnectionAsync().ConfigureAwait(false);
                    if (!await WriteBatchAsync(own, batch, committed).ConfigureAwait(false))
                    {
                        await own.DisposeAsync().ConfigureAwait(false);
                        own = null;
                    }
                    foreach (var p in batch) p.Value = p.Write.Claimed; // the value of each caller's task
                    _queue.Complete(batch);
                }
                catch (Exception e)
                {
                    _queue.Complete(batch, e);
                    if (own is not null) await own.DisposeAsync().ConfigureAwait(false);
                    own = null;
                }
                // After the callers' completions (queued to the pool), so their answers and these events go out together.
                // The receiver only queues; should it throw, the writer must go on (the events stay readable in the store).
                foreach (var events in committed)
                {
                    try
                    {
                        if (events.Count > 0) Committed?.Invoke(events);
                    }
                    catch (Exception e)
                    {
                        System.Diagnostics.Trace.TraceError($"Handing on committed realtime events failed: {e}");
                    }
                }
            }
        }
        finally
        {
            if (own is not null) await own.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Commits <paramref name="batch"/> on <paramref name="connection"/>: in one round trip (<see cref="CommitAsync"/>,
    /// busy claims that must all win); after a lost claim, with the claims first (<c>claimFirst</c>, two round trips);
    /// after any other failure, each write alone on a pooled connection. Adds each commit's numbered events to
    /// <paramref name="committed"/>. False when <paramref name="connection"/> must not be used again.
    /// </summary>
    private async Task<bool> WriteBatchAsync(
        NpgsqlConnection connection, List<GroupCommitQueue<PostgresWrite>.Pending> batch, List<List<StoredEvent>> committed)
    {
        try
        {
            try
            {
                committed.Add(await CommitAsync(connection, batch, async: true, claimFirst: false).ConfigureAwait(false));
            }
            catch (PostgresException e) when (PostgresCallMapping.IsClaimConflict(e))
            {
                committed.Add(await CommitAsync(connection, batch, async: true, claimFirst: true).ConfigureAwait(false));
            }
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // Retried alone below, on pooled connections.
        }
        foreach (var p in batch) await WriteAloneAsync(p, async: true, committed).ConfigureAwait(false);
        return false;
    }

    /// <summary>
    /// One write in a transaction of its own (claims first), run again after a deadlock or serialization failure;
    /// records its error. The numbered events of its commit go to <paramref name="committed"/>.
    /// </summary>
    private async Task WriteAloneAsync(GroupCommitQueue<PostgresWrite>.Pending p, bool async, List<List<StoredEvent>> committed)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var own = async ? await _dataSource.OpenConnectionAsync().ConfigureAwait(false) : _dataSource.OpenConnection();
                try
                {
                    committed.Add(await CommitAsync(own, [p], async, claimFirst: true).ConfigureAwait(false));
                }
                finally
                {
                    if (async) await own.DisposeAsync().ConfigureAwait(false);
                    else own.Dispose();
                }
                return;
            }
            catch (PostgresException e) when (attempt < Attempts && e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
            {
            }
            catch (Exception e)
            {
                p.Error = e;
                return;
            }
        }
    }

    /// <summary>Stops taking writes; the loop finishes what is queued (bounded wait).</summary>
    public void Dispose()
    {
        _queue.Stop();
        Task.WaitAll(_writers, TimeSpan.FromSeconds(10));
    }

    /// <summary>A write of the group commit: a call change (batched), or <see cref="Other"/> run with its own commands.</summary>
    internal sealed class PostgresWrite(CallWrite? call, Action<NpgsqlConnection, NpgsqlTransaction, List<StoredEvent>>? other)
    {
        public CallWrite? Call { get; } = call;
        public Action<NpgsqlConnection, NpgsqlTransaction, List<StoredEvent>>? Other { get; } = other;

        /// <summary>False when the busy claim of a new call lost (nothing of it written).</summary>
        public bool Claimed { get; set; } = true;
    }
}

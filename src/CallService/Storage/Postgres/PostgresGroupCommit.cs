using Npgsql;

namespace CallService.Storage.Postgres;

/// <summary>
/// Group commit on PostgreSQL: asynchronous writer loops (<see cref="DefaultWriters"/>) each take every pending write
/// (<see cref="GroupCommitQueue{TWrite}"/>) and commit them in one transaction on one pooled connection: the busy claims
/// of the batch's new calls in one round trip, then every call change, its webhook rows and the transaction's realtime
/// events (numbered in commit order, <see cref="PostgresEventNumbering"/>) as one asynchronous <see cref="NpgsqlBatch"/>
/// (one round trip), then the commit. Callers await (<see cref="SaveAsync"/>); no caller's thread takes part.
/// A failed batch (one bad write aborts a PostgreSQL transaction) is retried one write per transaction, so only the
/// writes that fail on their own report a failure; a write that lost a deadlock or a serialization check against
/// another node (SQLSTATE 40P01 / 40001, "PostgreSQL Error Codes") is run again a few times first. Writes must be safe
/// to run again after a rollback. Committed events go to the <see cref="Committed"/> receiver.
/// </summary>
internal sealed class PostgresGroupCommit : IDisposable
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
    private readonly GroupCommitQueue<PostgresWrite> _queue = new("postgres");
    private readonly Task[] _writers;
    private readonly Lock _syncWriter = new();

    public PostgresGroupCommit(NpgsqlDataSource dataSource, string nodeId, int writers = DefaultWriters)
    {
        (_dataSource, _nodeId) = (dataSource, nodeId);
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
            var done = WriteAloneAsync(pending, async: false);
            System.Diagnostics.Debug.Assert(done.IsCompleted, "a synchronous write completes on the caller's thread");
            done.GetAwaiter().GetResult();
        }
        StoreMetrics.Write("postgres", started, pending.Error is null);
        if (pending.Error is { } error) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
    }

    private async Task LoopAsync()
    {
        while (await _queue.TakeAsync().ConfigureAwait(false) is { } batch)
        {
            try
            {
                await WriteBatchAsync(batch).ConfigureAwait(false);
                foreach (var p in batch) p.Value = p.Write.Claimed; // the value of each caller's task
                _queue.Complete(batch);
            }
            catch (Exception e)
            {
                _queue.Complete(batch, e);
            }
        }
    }

    private async Task WriteBatchAsync(List<GroupCommitQueue<PostgresWrite>.Pending> batch)
    {
        if (batch.Count > 1)
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync().ConfigureAwait(false);
                await CommitAsync(connection, batch, async: true).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                // Retried alone below. A broken connection is not reused: a fresh one is taken from the pool.
            }
        }
        foreach (var p in batch) await WriteAloneAsync(p, async: true).ConfigureAwait(false);
    }

    /// <summary>One write in a transaction of its own, run again after a deadlock or serialization failure; records its error.</summary>
    private async Task WriteAloneAsync(GroupCommitQueue<PostgresWrite>.Pending p, bool async)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var own = async ? await _dataSource.OpenConnectionAsync().ConfigureAwait(false) : _dataSource.OpenConnection();
                try
                {
                    await CommitAsync(own, [p], async).ConfigureAwait(false);
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

    /// <summary>
    /// One transaction: claims (one round trip), the writes in queue order (one batch), events last, commit. Not
    /// <paramref name="async"/>: every statement is sent alone and synchronously (never a synchronous batch:
    /// <see cref="PostgresCallMapping"/>), and the returned task is complete.
    /// </summary>
    private async Task CommitAsync(NpgsqlConnection connection, IReadOnlyList<GroupCommitQueue<PostgresWrite>.Pending> writes, bool async)
    {
        var tx = async ? await connection.BeginTransactionAsync().ConfigureAwait(false) : connection.BeginTransaction();
        try
        {
            await CommitAsync(connection, tx, writes, async).ConfigureAwait(false);
        }
        finally
        {
            if (async) await tx.DisposeAsync().ConfigureAwait(false);
            else tx.Dispose(); // rolls back unless committed
        }
    }

    private async Task CommitAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<GroupCommitQueue<PostgresWrite>.Pending> writes, bool async)
    {
        using var statements = new NpgsqlBatch(connection, tx);
        await ClaimAsync(connection, tx, writes, statements, async).ConfigureAwait(false);
        var events = new List<StoredEvent>();
        foreach (var p in writes)
        {
            var w = p.Write;
            if (w.Other is { } other)
            {
                // Runs its own one-statement commands: what the batch holds so far goes first, in order.
                await ExecuteAsync(statements, async).ConfigureAwait(false);
                other(connection, tx, events);
                continue;
            }
            if (!w.Claimed) continue;
            statements.BatchCommands.Add(PostgresCallMapping.Change(w.Call!, _nodeId));
            if (w.Call!.Webhooks.Count > 0) statements.BatchCommands.Add(PostgresCallStore.WebhookInsert(w.Call.Webhooks));
            events.AddRange(w.Call.Events);
        }
        List<StoredEvent> numbered = [];
        if (events.Count > 0)
        {
            // Last, so the counter's row lock (which orders the numbers as the commits) is held only to the commit.
            foreach (var command in PostgresEventNumbering.Commands(events, _nodeId)) statements.BatchCommands.Add(command);
            var written = PostgresEventNumbering.Written(events, await ExecuteAsync(statements, async).ConfigureAwait(false) ?? 0);
            numbered = written.Numbered;
            for (var i = 0; i < events.Count; i++) events[i] = written.All[i];
        }
        else
        {
            await ExecuteAsync(statements, async).ConfigureAwait(false);
        }
        if (async) await tx.CommitAsync().ConfigureAwait(false);
        else tx.Commit();
        if (numbered.Count > 0) Committed?.Invoke(numbered);
    }

    /// <summary>The busy claims of the new calls among <paramref name="writes"/>, one round trip; lost claims are undone in <paramref name="statements"/>.</summary>
    private static async Task ClaimAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<GroupCommitQueue<PostgresWrite>.Pending> writes, NpgsqlBatch statements,
        bool async)
    {
        List<PostgresWrite>? creates = null;
        foreach (var p in writes)
        {
            p.Write.Claimed = true; // a retry starts afresh
            if (p.Write.Call is { ClaimParties: true }) (creates ??= []).Add(p.Write);
        }
        if (creates is null) return;
        using var claims = new NpgsqlBatch(connection, tx);
        foreach (var w in creates) claims.BatchCommands.Add(PostgresCallMapping.Claim(w.Call!.Call));
        var won = new bool[creates.Count];
        if (async)
        {
            await claims.ExecuteNonQueryAsync().ConfigureAwait(false);
            for (var i = 0; i < creates.Count; i++) won[i] = PostgresCallMapping.ClaimWon(claims.BatchCommands[i]);
        }
        else
        {
            for (var i = 0; i < creates.Count; i++)
            {
                using var one = Alone(claims.BatchCommands[i], connection, tx);
                won[i] = one.ExecuteNonQuery() == 2;
            }
        }
        List<string>? lost = null;
        for (var i = 0; i < creates.Count; i++)
        {
            if (won[i]) continue;
            creates[i].Claimed = false;
            (lost ??= []).Add(creates[i].Call!.Call.CallId);
        }
        if (lost is not null) statements.BatchCommands.Add(PostgresCallMapping.Unclaim(lost));
    }

    /// <summary>Sends the statements queued in <paramref name="statements"/> (one round trip) and empties it; the value of the one row returned, if any.</summary>
    private static async Task<long?> ExecuteAsync(NpgsqlBatch statements, bool async)
    {
        if (statements.BatchCommands.Count == 0) return null;
        long? value = null;
        if (!async)
        {
            foreach (NpgsqlBatchCommand statement in statements.BatchCommands)
            {
                using var one = Alone(statement, statements.Connection!, statements.Transaction!);
                using var reader = one.ExecuteReader();
                if (reader.FieldCount > 0 && reader.Read()) value = reader.GetInt64(0);
            }
            statements.BatchCommands.Clear();
            return value;
        }
        await using (var reader = await statements.ExecuteReaderAsync().ConfigureAwait(false))
        {
            do
            {
                if (reader.FieldCount > 0 && await reader.ReadAsync().ConfigureAwait(false)) value = reader.GetInt64(0);
            } while (await reader.NextResultAsync().ConfigureAwait(false));
        }
        statements.BatchCommands.Clear();
        return value;
    }

    /// <summary>A statement of a batch as a command of its own (its parameters move over).</summary>
    private static NpgsqlCommand Alone(NpgsqlBatchCommand statement, NpgsqlConnection connection, NpgsqlTransaction tx)
    {
        var command = new NpgsqlCommand(statement.CommandText, connection, tx);
        var parameters = statement.Parameters.ToArray();
        statement.Parameters.Clear();
        foreach (var p in parameters) command.Parameters.Add(p);
        return command;
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

using Npgsql;

namespace CallService.Storage.Postgres;

/// <summary>One transaction of the group commit: its statements and round trips.</summary>
internal sealed partial class PostgresGroupCommit
{
    /// <summary>
    /// One transaction of <paramref name="writes"/>: the busy claims of its new calls, the call changes in queue order,
    /// their webhook rows, the events last (numbered there), the commit. Returns the events numbered at the commit.
    /// <list type="bullet">
    /// <item><paramref name="async"/> without <paramref name="claimFirst"/>: <b>one round trip</b>. The claims are a
    /// plain insert that must win every claim (<see cref="PostgresCallMapping.ClaimAll"/>); a busy party fails the
    /// statement (<see cref="PostgresCallMapping.IsClaimConflict"/>), which rolls back the whole transaction, and the
    /// caller runs it again with <paramref name="claimFirst"/>. The <c>COMMIT</c> is the batch's last statement: it runs
    /// only when every statement before it succeeded (after an error the server skips to the batch's end: PostgreSQL
    /// docs, "Extended Query"), and Npgsql reads the transaction's end from the server's answer.</item>
    /// <item><paramref name="claimFirst"/>: the claims in a round trip of their own, each skipping a busy party
    /// (<see cref="ClaimAsync"/>), then the rest (with the <c>COMMIT</c> when <paramref name="async"/>).</item>
    /// <item>Not <paramref name="async"/> (a blocking caller's write): every statement is sent alone and synchronously
    /// (never a synchronous batch: <see cref="PostgresCallMapping"/>), then the commit; the returned task is complete.</item>
    /// </list>
    /// </summary>
    private async Task<List<StoredEvent>> CommitAsync(
        NpgsqlConnection connection, IReadOnlyList<GroupCommitQueue<PostgresWrite>.Pending> writes, bool async, bool claimFirst)
    {
        var tx = async ? await connection.BeginTransactionAsync().ConfigureAwait(false) : connection.BeginTransaction();
        try
        {
            return await WriteAsync(connection, tx, writes, async, claimFirst || !async).ConfigureAwait(false);
        }
        finally
        {
            // Rolls back unless committed (a COMMIT sent in the batch ends the transaction as Npgsql sees it).
            if (async) await tx.DisposeAsync().ConfigureAwait(false);
            else tx.Dispose();
        }
    }

    private async Task<List<StoredEvent>> WriteAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<GroupCommitQueue<PostgresWrite>.Pending> writes, bool async,
        bool claimFirst)
    {
        using var statements = new NpgsqlBatch(connection, tx);
        if (claimFirst) await ClaimAsync(connection, tx, writes, statements, async).ConfigureAwait(false);
        else ClaimAll(writes, statements);
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
        // Last, so the counter's row lock (which orders the numbers as the commits) is held only to the commit.
        if (events.Count > 0)
            foreach (var command in PostgresEventNumbering.Commands(events, _nodeId, _eventChannel)) statements.BatchCommands.Add(command);
        if (async) statements.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        var numberBase = await ExecuteAsync(statements, async).ConfigureAwait(false);
        if (!async) tx.Commit();
        if (events.Count == 0) return [];
        var written = PostgresEventNumbering.Written(events, numberBase ?? 0);
        for (var i = 0; i < events.Count; i++) events[i] = written.All[i];
        return written.Numbered;
    }

    /// <summary>The busy claims of the new calls among <paramref name="writes"/> as one statement of the batch that must win them all.</summary>
    private static void ClaimAll(IReadOnlyList<GroupCommitQueue<PostgresWrite>.Pending> writes, NpgsqlBatch statements)
    {
        List<CallService.Calls.CallSnapshot>? creates = null;
        foreach (var p in writes)
        {
            p.Write.Claimed = true;
            if (p.Write.Call is { ClaimParties: true } w) (creates ??= []).Add(w.Call);
        }
        if (creates is not null) statements.BatchCommands.Add(PostgresCallMapping.ClaimAll(creates));
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
}

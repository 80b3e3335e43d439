using CallService.Calls;
using Npgsql;
using static CallService.Storage.Postgres.PostgresCallMapping;

namespace CallService.Storage.Postgres;

/// <summary>What nodes coordinate through besides calls: restart endings, idempotency keys and leases.</summary>
internal sealed partial class PostgresCallStore
{
    /// <summary>
    /// The node's open calls end <c>service_restart</c> (<see cref="EndOpenCalls"/>), their webhook rows written in the
    /// same transaction; a call a concurrent ending took is not ended twice.
    /// </summary>
    public IReadOnlyList<CallSnapshot> EndUnfinished(string nodeId, DateTimeOffset now, Func<CallSnapshot, IReadOnlyList<CallService.Webhooks.OutboxMessage>>? webhooks = null)
    {
        var ids = _commits.Run((connection, tx) =>
        {
            var ended = EndOpenCalls(connection, tx, nodeId, EndReason.ServiceRestart, now);
            // The endings' webhook rows, in the same transaction (the calls as this transaction just wrote them).
            if (webhooks is not null && ended.Count > 0)
                InsertWebhooks(connection, tx, CallsById(connection, tx, ended).SelectMany(webhooks).ToList());
            return ended;
        });
        if (ids.Count == 0) return [];
        using var connection = _dataSource.OpenConnection();
        return CallsById(connection, null, ids);
    }

    /// <summary>
    /// One statement takes the key, finds it held, or replaces an expired holder: the conflict branch locks the row
    /// and returns it as it is afterwards (PostgreSQL docs, "INSERT … ON CONFLICT DO UPDATE"), so two nodes taking the
    /// same key at once see one winner. <c>taken_by</c> (a fresh id per attempt) tells this attempt's row from another's.
    /// </summary>
    public IdempotencyEntry? TakeIdempotencyKey(string scope, string key, string fingerprint, DateTimeOffset at, DateTimeOffset expiredBefore)
    {
        var attempt = Guid.NewGuid();
        using var take = _dataSource.CreateCommand("""
            INSERT INTO idempotency_keys AS k (scope, key, fingerprint, created_at, response, taken_by)
            VALUES($1, $2, $3, $4, NULL, $6)
            ON CONFLICT(scope, key) DO UPDATE SET
              fingerprint = CASE WHEN k.created_at < $5 THEN EXCLUDED.fingerprint ELSE k.fingerprint END,
              response = CASE WHEN k.created_at < $5 THEN NULL ELSE k.response END,
              taken_by = CASE WHEN k.created_at < $5 THEN EXCLUDED.taken_by ELSE k.taken_by END,
              created_at = CASE WHEN k.created_at < $5 THEN EXCLUDED.created_at ELSE k.created_at END
            RETURNING taken_by = $6, fingerprint, response, created_at
            """);
        take.Parameters.Add(Value(scope));
        take.Parameters.Add(Value(key));
        take.Parameters.Add(Value(fingerprint));
        take.Parameters.Add(Value(Ts(at)));
        take.Parameters.Add(Value(Ts(expiredBefore)));
        take.Parameters.Add(Value(attempt));
        using var r = take.ExecuteReader();
        r.Read();
        return r.GetBoolean(0) ? null : new IdempotencyEntry(r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), At(r, 3)!.Value);
    }

    public void CompleteIdempotencyKey(string scope, string key, string response) =>
        Exec("UPDATE idempotency_keys SET response=$3 WHERE scope=$1 AND key=$2", Value(scope), Value(key), Value(response));

    public void ReleaseIdempotencyKey(string scope, string key) =>
        Exec("DELETE FROM idempotency_keys WHERE scope=$1 AND key=$2 AND response IS NULL", Value(scope), Value(key));

    public int DeleteIdempotencyKeysBefore(DateTimeOffset before) =>
        Exec("DELETE FROM idempotency_keys WHERE created_at < $1", Value(Ts(before)));

    /// <summary>An upsert that never moves the renewal back (a late, slow renewal cannot undo a newer one).</summary>
    public void RenewLease(string nodeId, DateTimeOffset at) =>
        Exec("""
            INSERT INTO node_leases AS l (node_id, renewed_at) VALUES($1, $2)
            ON CONFLICT(node_id) DO UPDATE SET renewed_at = GREATEST(l.renewed_at, EXCLUDED.renewed_at)
            """, Value(nodeId), Value(Ts(at)));

    public DateTimeOffset? LeaseOf(string nodeId)
    {
        using var cmd = _dataSource.CreateCommand("SELECT renewed_at FROM node_leases WHERE node_id=$1");
        cmd.Parameters.Add(Value(nodeId));
        return cmd.ExecuteScalar() is DateTime at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null;
    }

    /// <summary>One autocommitted statement; returns the rows it changed.</summary>
    private int Exec(string sql, params NpgsqlParameter[] parameters)
    {
        using var cmd = _dataSource.CreateCommand(sql);
        cmd.Parameters.AddRange(parameters);
        return cmd.ExecuteNonQuery();
    }
}

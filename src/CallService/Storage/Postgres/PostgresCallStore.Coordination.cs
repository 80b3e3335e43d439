using CallService.Calls;
using Npgsql;
using static CallService.Storage.Postgres.PostgresCallMapping;

namespace CallService.Storage.Postgres;

/// <summary>What nodes coordinate through besides calls: restart endings, idempotency keys and leases.</summary>
internal sealed partial class PostgresCallStore
{
    /// <summary>
    /// One statement: the node's non-ended calls end <c>service_restart</c> by <c>system</c> at the last moment they
    /// were known alive (the latest of the call's own times, its last write and the node's lease, never after
    /// <paramref name="now"/>), each gets its <c>ended</c> transition and frees its parties. Rows locked by a concurrent
    /// ending are re-checked after the lock (READ COMMITTED), so a call is never ended twice.
    /// </summary>
    public IReadOnlyList<CallSnapshot> EndUnfinished(string nodeId, DateTimeOffset now, Func<CallSnapshot, IReadOnlyList<CallService.Webhooks.OutboxMessage>>? webhooks = null)
    {
        var ids = _commits.Run((connection, tx) =>
        {
            using var end = new NpgsqlCommand("""
                WITH ended AS (
                  UPDATE calls SET state='ended', end_reason='service_restart', ended_by='system', code=NULL,
                    ended_at = LEAST($2, GREATEST(created_at, accepted_at, connected_at, updated_at,
                                                  (SELECT renewed_at FROM node_leases WHERE node_id=$1)))
                  WHERE node_id=$1 AND state <> 'ended'
                  RETURNING call_id, ended_at),
                transitions AS (
                  INSERT INTO call_transitions(call_id, state, at, detail)
                  SELECT call_id, 'ended', ended_at, 'service_restart by system' FROM ended ORDER BY call_id),
                freed AS (
                  DELETE FROM busy_parties WHERE call_id IN (SELECT call_id FROM ended))
                SELECT call_id FROM ended
                """, connection, tx);
            end.Parameters.Add(Value(nodeId));
            end.Parameters.Add(Value(Ts(now)));
            var list = new List<string>();
            using (var r = end.ExecuteReader())
                while (r.Read()) list.Add(r.GetString(0));
            if (webhooks is not null && list.Count > 0)
            {
                // The endings' webhook rows, in the same transaction (the calls as this transaction just wrote them).
                using var read = new NpgsqlCommand($"{SelectCalls} WHERE c.call_id = ANY($1) ORDER BY c.created_at, c.call_id", connection, tx);
                read.Parameters.Add(Value(list.ToArray()));
                var rows = ReadCalls(read).SelectMany(webhooks).ToList();
                InsertWebhooks(connection, tx, rows);
            }
            return list;
        });
        if (ids.Count == 0) return [];
        using var connection = _dataSource.OpenConnection();
        using var read = new NpgsqlCommand($"{SelectCalls} WHERE c.call_id = ANY($1) ORDER BY c.created_at, c.call_id", connection);
        read.Parameters.Add(Value(ids.ToArray()));
        return ReadCalls(read);
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

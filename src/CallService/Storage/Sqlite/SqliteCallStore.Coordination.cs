using CallService.Calls;
using Microsoft.Data.Sqlite;

namespace CallService.Storage.Sqlite;

/// <summary>What nodes coordinate through besides calls: restart endings, idempotency keys and leases.</summary>
internal sealed partial class SqliteCallStore
{
    /// <summary>The node's open calls end <c>service_restart</c> (<see cref="EndOpenCalls"/>), their webhook rows in the same transaction.</summary>
    public IReadOnlyList<CallSnapshot> EndUnfinished(string nodeId, DateTimeOffset now, Func<CallSnapshot, IReadOnlyList<CallService.Webhooks.OutboxMessage>>? webhooks = null) =>
        _commits.Run<IReadOnlyList<CallSnapshot>>(tx =>
        {
            var ended = EndOpenCalls(tx, nodeId, EndReason.ServiceRestart, now);
            if (webhooks is not null)
                foreach (var call in ended) InsertWebhooks(webhooks(call), tx);
            return ended;
        });

    public IdempotencyEntry? TakeIdempotencyKey(string scope, string key, string fingerprint, DateTimeOffset at, DateTimeOffset expiredBefore) =>
        _commits.Run(tx =>
        {
            using var take = Command("""
                DELETE FROM idempotency_keys WHERE scope=$s AND key=$k AND created_at < $expired;
                INSERT INTO idempotency_keys(scope, key, fingerprint, created_at, response) VALUES($s, $k, $f, $at, NULL)
                ON CONFLICT(scope, key) DO NOTHING;
                """, tx);
            take.Parameters.AddWithValue("$s", scope);
            take.Parameters.AddWithValue("$k", key);
            take.Parameters.AddWithValue("$f", fingerprint);
            take.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
            take.Parameters.AddWithValue("$expired", expiredBefore.ToUnixTimeMilliseconds());
            take.ExecuteNonQuery();
            if (Changes(tx) == 1) return null; // the INSERT was the last statement: 1 row = taken now
            using var read = Command("SELECT fingerprint, response, created_at FROM idempotency_keys WHERE scope=$s AND key=$k", tx);
            read.Parameters.AddWithValue("$s", scope);
            read.Parameters.AddWithValue("$k", key);
            using var r = read.ExecuteReader();
            return r.Read()
                ? new IdempotencyEntry(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), SqliteCallMapping.At(r.GetInt64(2)))
                : null;
        });

    public void CompleteIdempotencyKey(string scope, string key, string response) =>
        Exec("UPDATE idempotency_keys SET response=$r WHERE scope=$s AND key=$k", ("$s", scope), ("$k", key), ("$r", response));

    public void ReleaseIdempotencyKey(string scope, string key) =>
        Exec("DELETE FROM idempotency_keys WHERE scope=$s AND key=$k AND response IS NULL", ("$s", scope), ("$k", key));

    public int DeleteIdempotencyKeysBefore(DateTimeOffset before) =>
        Exec("DELETE FROM idempotency_keys WHERE created_at < $before", ("$before", before.ToUnixTimeMilliseconds()));

    public void RenewLease(string nodeId, DateTimeOffset at) =>
        Exec("""
            INSERT INTO node_leases(node_id, renewed_at) VALUES($n, $at)
            ON CONFLICT(node_id) DO UPDATE SET renewed_at = MAX(renewed_at, $at)
            """, ("$n", nodeId), ("$at", at.ToUnixTimeMilliseconds()));

    public DateTimeOffset? LeaseOf(string nodeId)
    {
        lock (_gate) return LeaseOf(nodeId, null);
    }

    private DateTimeOffset? LeaseOf(string nodeId, SqliteTransaction? tx)
    {
        using var cmd = Command("SELECT renewed_at FROM node_leases WHERE node_id=$n", tx);
        cmd.Parameters.AddWithValue("$n", nodeId);
        return cmd.ExecuteScalar() is long ms ? SqliteCallMapping.At(ms) : null;
    }

    private int Changes(SqliteTransaction tx)
    {
        using var cmd = Command("SELECT changes()", tx);
        return Convert.ToInt32(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>One statement through the group commit; returns the rows it changed.</summary>
    private int Exec(string sql, params (string Name, object Value)[] parameters) => _commits.Run(tx =>
    {
        using var cmd = Command(sql, tx);
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value);
        return cmd.ExecuteNonQuery();
    });

    private SqliteCommand Command(string sql, SqliteTransaction? tx)
    {
        var cmd = Connection().CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        return cmd;
    }
}

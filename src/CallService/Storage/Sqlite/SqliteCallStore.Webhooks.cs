using CallService.Webhooks;
using Microsoft.Data.Sqlite;

namespace CallService.Storage.Sqlite;

/// <summary>
/// The webhook outbox (<c>webhook_outbox</c>): rows written with the call change that caused them (or alone), claimed
/// one per (call, endpoint) at a time. One node uses a SQLite file, so a claim is one UPDATE under the writer lock.
/// </summary>
internal sealed partial class SqliteCallStore
{
    private const string WebhookColumns = """
        id, message_id, endpoint_url, type, call_id, created_at, body, status, attempts, next_attempt_at, last_attempt_at,
        last_status, last_error, delivered_at, lease_token
        """;

    private void InsertWebhooks(IReadOnlyList<OutboxMessage> messages, SqliteTransaction tx)
    {
        if (messages.Count == 0) return;
        using var insert = Command("""
            INSERT INTO webhook_outbox(message_id, endpoint_url, type, call_id, created_at, body, status, attempts, next_attempt_at)
            VALUES($m, $e, $t, $c, $at, $b, 'pending', 0, $at)
            """, tx);
        foreach (var name in (string[])["$m", "$e", "$t", "$c", "$at", "$b"]) insert.Parameters.Add(new SqliteParameter(name, DBNull.Value));
        foreach (var m in messages)
        {
            insert.Parameters[0].Value = m.MessageId;
            insert.Parameters[1].Value = m.EndpointUrl;
            insert.Parameters[2].Value = m.Type;
            insert.Parameters[3].Value = (object?)m.CallId ?? DBNull.Value;
            insert.Parameters[4].Value = m.At.ToUnixTimeMilliseconds();
            insert.Parameters[5].Value = m.Body;
            insert.ExecuteNonQuery();
        }
    }

    public void EnqueueWebhooks(IReadOnlyList<OutboxMessage> messages) => _commits.Run(tx =>
    {
        InsertWebhooks(messages, tx);
        return true;
    });

    public IReadOnlyList<WebhookDelivery> ClaimWebhooks(string nodeId, DateTimeOffset now, TimeSpan lease, int limit)
    {
        var token = Guid.NewGuid().ToString("N");
        var rows = _commits.Run(tx =>
        {
            using var claim = Command($"""
                UPDATE webhook_outbox SET lease_until=$until, lease_token=$token, leased_by=$node
                WHERE id IN (
                  SELECT h.id FROM webhook_outbox h
                  WHERE h.status='pending' AND h.next_attempt_at <= $now AND (h.lease_until IS NULL OR h.lease_until <= $now)
                    AND NOT EXISTS (SELECT 1 FROM webhook_outbox p WHERE p.status='pending' AND p.call_id=h.call_id
                                    AND p.endpoint_url=h.endpoint_url AND p.id < h.id)
                  ORDER BY h.next_attempt_at, h.id LIMIT $limit)
                RETURNING {WebhookColumns}
                """, tx);
            claim.Parameters.AddWithValue("$until", (now + lease).ToUnixTimeMilliseconds());
            claim.Parameters.AddWithValue("$token", token);
            claim.Parameters.AddWithValue("$node", nodeId);
            claim.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            claim.Parameters.AddWithValue("$limit", limit);
            return ReadWebhooks(claim);
        });
        return [.. rows.OrderBy(r => r.NextAttemptAt).ThenBy(r => r.Id)];
    }

    public bool RecordWebhookAttempt(long id, string leaseToken, WebhookAttempt attempt) =>
        Exec("""
            UPDATE webhook_outbox SET status=$s, attempts=$n, last_attempt_at=$at, last_status=$code, last_error=$err,
              next_attempt_at=$next, delivered_at=CASE WHEN $s='delivered' THEN $at ELSE delivered_at END,
              lease_until=NULL, lease_token=NULL, leased_by=NULL
            WHERE id=$id AND lease_token=$token
            """, ("$s", attempt.Status.ToWire()), ("$n", attempt.Attempts), ("$at", attempt.At.ToUnixTimeMilliseconds()),
            ("$code", (object?)attempt.StatusCode ?? DBNull.Value), ("$err", (object?)attempt.Error ?? DBNull.Value),
            ("$next", SqliteCallMapping.Ms(attempt.NextAttemptAt)), ("$id", id), ("$token", leaseToken)) == 1;

    public int ReleaseWebhookLeases(string nodeId) =>
        Exec("UPDATE webhook_outbox SET lease_until=NULL, lease_token=NULL, leased_by=NULL WHERE leased_by=$node AND status='pending'",
            ("$node", nodeId));

    /// <remarks>
    /// Commands are created under the writer lock: <c>SqliteConnection.CreateCommand</c> hands a new command the
    /// connection's transaction of the moment, which a group commit on another thread may complete before it runs.
    /// </remarks>
    public IReadOnlyList<WebhookDelivery> WebhookDeliveries(WebhookStatus? status, long? beforeId, int limit)
    {
        lock (_gate) return Deliveries(status, beforeId, limit);
    }

    private List<WebhookDelivery> Deliveries(WebhookStatus? status, long? beforeId, int limit)
    {
        using var cmd = Connection().CreateCommand();
        var where = new List<string>();
        if (status is { } s) { where.Add("status=$s"); cmd.Parameters.AddWithValue("$s", s.ToWire()); }
        if (beforeId is { } before) { where.Add("id < $before"); cmd.Parameters.AddWithValue("$before", before); }
        cmd.CommandText = $"SELECT {WebhookColumns} FROM webhook_outbox {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")} ORDER BY id DESC LIMIT $limit";
        cmd.Parameters.AddWithValue("$limit", limit);
        return ReadWebhooks(cmd);
    }

    public WebhookDelivery? WebhookDelivery(long id)
    {
        lock (_gate)
        {
            using var cmd = Connection().CreateCommand();
            cmd.CommandText = $"SELECT {WebhookColumns} FROM webhook_outbox WHERE id=$id";
            cmd.Parameters.AddWithValue("$id", id);
            return ReadWebhooks(cmd).SingleOrDefault();
        }
    }

    public WebhookRetryResult RetryWebhook(long id, DateTimeOffset now) => _commits.Run(tx =>
    {
        using var retry = Command("""
            UPDATE webhook_outbox SET status='pending', attempts=0, next_attempt_at=$now, lease_until=NULL, lease_token=NULL, leased_by=NULL
            WHERE id=$id AND status='failed'
            """, tx);
        retry.Parameters.AddWithValue("$id", id);
        retry.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        if (retry.ExecuteNonQuery() == 1) return WebhookRetryResult.Requeued;
        using var exists = Command("SELECT 1 FROM webhook_outbox WHERE id=$id", tx);
        exists.Parameters.AddWithValue("$id", id);
        return exists.ExecuteScalar() is null ? WebhookRetryResult.NotFound : WebhookRetryResult.NotFailed;
    });

    /// <summary>In slices (each its own group-committed write), so a large backlog never holds the writer for long.</summary>
    public int DeleteDeliveredWebhooksBefore(DateTimeOffset before)
    {
        var total = 0;
        int deleted;
        do
        {
            deleted = Exec("""
                DELETE FROM webhook_outbox WHERE id IN (
                  SELECT id FROM webhook_outbox WHERE status='delivered' AND delivered_at < $before LIMIT $limit)
                """, ("$before", before.ToUnixTimeMilliseconds()), ("$limit", DeleteSlice));
            total += deleted;
        } while (deleted == DeleteSlice);
        return total;
    }

    private static List<WebhookDelivery> ReadWebhooks(SqliteCommand cmd)
    {
        using var r = cmd.ExecuteReader();
        var list = new List<WebhookDelivery>();
        while (r.Read())
        {
            WebhookStatusNames.TryParse(r.GetString(7), out var status);
            list.Add(new WebhookDelivery(
                r.GetInt64(0),
                new OutboxMessage(r.GetString(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4),
                    SqliteCallMapping.At(r.GetInt64(5)), r.GetString(6)),
                status, r.GetInt32(8), AtOrNull(r, 9), AtOrNull(r, 10), r.IsDBNull(11) ? null : r.GetInt32(11),
                r.IsDBNull(12) ? null : r.GetString(12), AtOrNull(r, 13), r.IsDBNull(14) ? null : r.GetString(14)));
        }
        return list;
    }

    private static DateTimeOffset? AtOrNull(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : SqliteCallMapping.At(r.GetInt64(i));
}

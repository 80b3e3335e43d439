using CallService.Webhooks;
using Npgsql;
using NpgsqlTypes;
using static CallService.Storage.Postgres.PostgresCallMapping;

namespace CallService.Storage.Postgres;

/// <summary>
/// The webhook outbox (<c>webhook_outbox</c>) shared by every node. A claim is one statement: the due heads of their
/// (call, endpoint) are locked with <c>FOR UPDATE SKIP LOCKED</c> (PostgreSQL docs, "The Locking Clause"), so two nodes
/// claiming at once take different rows and never wait for each other, and each is leased; a row locked by a
/// concurrent claim is re-checked after that claim commits (READ COMMITTED) and found leased.
/// </summary>
internal sealed partial class PostgresCallStore
{
    private const string WebhookColumns = """
        id, message_id, endpoint_url, type, call_id, created_at, body, status, attempts, next_attempt_at, last_attempt_at,
        last_status, last_error, delivered_at, lease_token
        """;

    private const string InsertWebhooksSql = """
        INSERT INTO webhook_outbox(message_id, endpoint_url, type, call_id, created_at, body, status, attempts, next_attempt_at)
        SELECT m.id, m.url, m.type, m.call, m.at, m.body, 'pending', 0, m.at
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[]) WITH ORDINALITY AS m(id, url, type, call, at, body, i)
        ORDER BY m.i
        """;

    /// <summary>
    /// Inserts outbox rows (due now) inside <paramref name="tx"/>, in list order, as one statement: never a batch of
    /// several statements, which Npgsql writes on a thread-pool task when called synchronously (<see cref="PostgresCallMapping"/>).
    /// </summary>
    internal static void InsertWebhooks(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<OutboxMessage> messages)
    {
        if (messages.Count == 0) return;
        using var insert = new NpgsqlCommand(InsertWebhooksSql, connection, tx);
        insert.Parameters.AddRange(WebhookParameters(messages));
        insert.ExecuteNonQuery();
    }

    /// <summary>The same insert as a statement of an (asynchronous) batch: <see cref="PostgresGroupCommit"/>.</summary>
    internal static NpgsqlBatchCommand WebhookInsert(IReadOnlyList<OutboxMessage> messages)
    {
        var insert = new NpgsqlBatchCommand(InsertWebhooksSql);
        insert.Parameters.AddRange(WebhookParameters(messages));
        return insert;
    }

    private static NpgsqlParameter[] WebhookParameters(IReadOnlyList<OutboxMessage> messages) =>
    [
        Value(messages.Select(m => m.MessageId).ToArray()),
        Value(messages.Select(m => m.EndpointUrl).ToArray()),
        Value(messages.Select(m => m.Type).ToArray()),
        Value(messages.Select(m => m.CallId).ToArray()),
        Value(messages.Select(m => Ts(m.At)).ToArray()),
        Value(messages.Select(m => m.Body).ToArray()),
    ];

    public void EnqueueWebhooks(IReadOnlyList<OutboxMessage> messages)
    {
        if (messages.Count == 0) return;
        _commits.Run((connection, tx) =>
        {
            InsertWebhooks(connection, tx, messages);
            return messages.Count;
        });
    }

    public IReadOnlyList<WebhookDelivery> ClaimWebhooks(string nodeId, DateTimeOffset now, TimeSpan lease, int limit)
    {
        using var claim = _dataSource.CreateCommand($"""
            WITH due AS (
              SELECT h.id FROM webhook_outbox h
              WHERE h.status='pending' AND h.next_attempt_at <= $1 AND (h.lease_until IS NULL OR h.lease_until <= $1)
                AND NOT EXISTS (SELECT 1 FROM webhook_outbox p WHERE p.status='pending' AND p.call_id=h.call_id
                                AND p.endpoint_url=h.endpoint_url AND p.id < h.id)
              ORDER BY h.next_attempt_at, h.id LIMIT $2
              FOR UPDATE SKIP LOCKED)
            UPDATE webhook_outbox w SET lease_until=$3, lease_token=$4, leased_by=$5 FROM due WHERE w.id = due.id
            RETURNING {string.Join(", ", WebhookColumns.Split(',', StringSplitOptions.TrimEntries).Select(c => "w." + c))}
            """);
        claim.Parameters.Add(Value(Ts(now)));
        claim.Parameters.Add(Value(limit));
        claim.Parameters.Add(Value(Ts(now + lease)));
        claim.Parameters.Add(Value(Guid.NewGuid().ToString("N")));
        claim.Parameters.Add(Value(nodeId));
        return [.. ReadWebhooks(claim).OrderBy(r => r.NextAttemptAt).ThenBy(r => r.Id)];
    }

    public bool RecordWebhookAttempt(long id, string leaseToken, WebhookAttempt attempt)
    {
        using var record = _dataSource.CreateCommand("""
            UPDATE webhook_outbox SET status=$1, attempts=$2, last_attempt_at=$3, last_status=$4, last_error=$5,
              next_attempt_at=$6, delivered_at=CASE WHEN $1='delivered' THEN $3 ELSE delivered_at END,
              lease_until=NULL, lease_token=NULL, leased_by=NULL
            WHERE id=$7 AND lease_token=$8
            """);
        record.Parameters.Add(Value(attempt.Status.ToWire()));
        record.Parameters.Add(Value(attempt.Attempts));
        record.Parameters.Add(Value(Ts(attempt.At)));
        record.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = (object?)attempt.StatusCode ?? DBNull.Value });
        record.Parameters.Add(NullableText(attempt.Error));
        record.Parameters.Add(NullableTime(attempt.NextAttemptAt));
        record.Parameters.Add(Value(id));
        record.Parameters.Add(Value(leaseToken));
        return record.ExecuteNonQuery() == 1;
    }

    public int ReleaseWebhookLeases(string nodeId)
    {
        using var release = _dataSource.CreateCommand(
            "UPDATE webhook_outbox SET lease_until=NULL, lease_token=NULL, leased_by=NULL WHERE leased_by=$1 AND status='pending'");
        release.Parameters.Add(Value(nodeId));
        return release.ExecuteNonQuery();
    }

    public IReadOnlyList<WebhookDelivery> WebhookDeliveries(WebhookStatus? status, long? beforeId, int limit)
    {
        using var cmd = _dataSource.CreateCommand();
        var where = new List<string>();
        if (status is { } s)
        {
            cmd.Parameters.Add(Value(s.ToWire()));
            where.Add("status=$" + cmd.Parameters.Count);
        }
        if (beforeId is { } before)
        {
            cmd.Parameters.Add(Value(before));
            where.Add("id < $" + cmd.Parameters.Count);
        }
        cmd.Parameters.Add(Value(limit));
        cmd.CommandText = $"SELECT {WebhookColumns} FROM webhook_outbox {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")} " +
                          $"ORDER BY id DESC LIMIT ${cmd.Parameters.Count}";
        return ReadWebhooks(cmd);
    }

    public WebhookDelivery? WebhookDelivery(long id)
    {
        using var cmd = _dataSource.CreateCommand($"SELECT {WebhookColumns} FROM webhook_outbox WHERE id=$1");
        cmd.Parameters.Add(Value(id));
        return ReadWebhooks(cmd).SingleOrDefault();
    }

    /// <summary>One statement: re-queues the row if failed, and tells apart "no such row" and "not failed" otherwise.</summary>
    public WebhookRetryResult RetryWebhook(long id, DateTimeOffset now)
    {
        using var retry = _dataSource.CreateCommand("""
            WITH requeued AS (
              UPDATE webhook_outbox SET status='pending', attempts=0, next_attempt_at=$2, lease_until=NULL, lease_token=NULL, leased_by=NULL
              WHERE id=$1 AND status='failed' RETURNING id)
            SELECT (SELECT count(*) FROM requeued), (SELECT count(*) FROM webhook_outbox WHERE id=$1)
            """);
        retry.Parameters.Add(Value(id));
        retry.Parameters.Add(Value(Ts(now)));
        using var r = retry.ExecuteReader();
        r.Read();
        return r.GetInt64(0) == 1 ? WebhookRetryResult.Requeued
            : r.GetInt64(1) == 0 ? WebhookRetryResult.NotFound
            : WebhookRetryResult.NotFailed;
    }

    /// <summary>In slices of 10,000 rows, each its own short transaction.</summary>
    public int DeleteDeliveredWebhooksBefore(DateTimeOffset before)
    {
        using var cmd = _dataSource.CreateCommand("""
            DELETE FROM webhook_outbox WHERE id IN (
              SELECT id FROM webhook_outbox WHERE status='delivered' AND delivered_at < $1 LIMIT 10000)
            """);
        cmd.Parameters.Add(Value(Ts(before)));
        var total = 0;
        int deleted;
        do
        {
            deleted = cmd.ExecuteNonQuery();
            total += deleted;
        } while (deleted == 10000);
        return total;
    }

    private static List<WebhookDelivery> ReadWebhooks(NpgsqlCommand cmd)
    {
        using var r = cmd.ExecuteReader();
        var list = new List<WebhookDelivery>();
        while (r.Read())
        {
            WebhookStatusNames.TryParse(r.GetString(7), out var status);
            list.Add(new WebhookDelivery(
                r.GetInt64(0),
                new OutboxMessage(r.GetString(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4), At(r, 5)!.Value, r.GetString(6)),
                status, r.GetInt32(8), At(r, 9), At(r, 10), r.IsDBNull(11) ? null : r.GetInt32(11),
                r.IsDBNull(12) ? null : r.GetString(12), At(r, 13), r.IsDBNull(14) ? null : r.GetString(14)));
        }
        return list;
    }

    private static NpgsqlParameter NullableText(string? value) => new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value };

    private static NpgsqlParameter NullableTime(DateTimeOffset? at) =>
        new() { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = at is { } v ? Ts(v) : DBNull.Value };
}

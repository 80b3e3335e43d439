using Npgsql;
using static CallService.Storage.Postgres.PostgresCallMapping;

namespace CallService.Storage.Postgres;

/// <summary>
/// The realtime event log (<c>realtime_events</c>) and its numbers (the sequence <c>realtime_event_seq</c>), shared by
/// every node: a party's events are read back by whichever node holds its socket.
/// </summary>
internal static class PostgresEventRows
{
    /// <summary>Arbitrary key of the advisory lock that makes a block of numbers contiguous.</summary>
    private const long ReserveLock = 0x43616c6c_53657131; // "CallSeq1"

    public static NpgsqlBatchCommand Insert(StoredEvent e) => Command(
        "INSERT INTO realtime_events(seq, user_id, call_id, type, at, frame) VALUES($1, $2, $3, $4, $5, $6)",
        Value(e.Seq), Value(e.UserId), Value(e.CallId), Value(e.Type), Value(Ts(e.At)), Value(e.Frame));

    /// <summary>
    /// Moves the sequence on by <paramref name="count"/> and returns the first number of the block. A sequence never
    /// goes back, not even when the transaction that advanced it rolls back (PostgreSQL docs, "Sequence Manipulation
    /// Functions"); the advisory lock keeps two nodes' <c>nextval</c>/<c>setval</c> pairs from interleaving, so the
    /// block is contiguous and no number is handed out twice.
    /// </summary>
    public static long Reserve(NpgsqlDataSource dataSource, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        using var connection = dataSource.OpenConnection();
        using var tx = connection.BeginTransaction();
        using (var lockSeq = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({ReserveLock})", connection, tx))
            lockSeq.ExecuteNonQuery();
        using var reserve = new NpgsqlCommand(
            "SELECT setval('realtime_event_seq', nextval('realtime_event_seq') + $1 - 1)", connection, tx);
        reserve.Parameters.Add(Value((long)count));
        var last = (long)reserve.ExecuteScalar()!;
        tx.Commit();
        return last - count + 1;
    }

    public static List<StoredEvent> Of(NpgsqlDataSource dataSource, string userId, long afterSeq, long throughSeq, DateTimeOffset since)
    {
        using var cmd = dataSource.CreateCommand("""
            SELECT seq, user_id, call_id, type, at, frame FROM realtime_events
            WHERE user_id=$1 AND seq > $2 AND seq <= $3 AND at >= $4 ORDER BY seq
            """);
        cmd.Parameters.Add(Value(userId));
        cmd.Parameters.Add(Value(afterSeq));
        cmd.Parameters.Add(Value(throughSeq));
        cmd.Parameters.Add(Value(Ts(since)));
        using var r = cmd.ExecuteReader();
        var list = new List<StoredEvent>();
        while (r.Read())
            list.Add(new StoredEvent(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), At(r, 4)!.Value,
                r.GetFieldValue<byte[]>(5)));
        return list;
    }

    /// <summary>Rows per delete statement: a minute of events at 1,000 calls/s is ~400,000 rows, too many for one transaction.</summary>
    private const int DeleteSlice = 10_000;

    /// <summary>Deletes the events older than <paramref name="before"/> in slices, each its own short transaction.</summary>
    public static int DeleteBefore(NpgsqlDataSource dataSource, DateTimeOffset before)
    {
        using var cmd = dataSource.CreateCommand(
            "DELETE FROM realtime_events WHERE seq IN (SELECT seq FROM realtime_events WHERE at < $1 LIMIT $2)");
        cmd.Parameters.Add(Value(Ts(before)));
        cmd.Parameters.Add(Value(DeleteSlice));
        var total = 0;
        int deleted;
        do
        {
            deleted = cmd.ExecuteNonQuery();
            total += deleted;
        } while (deleted == DeleteSlice);
        return total;
    }
}

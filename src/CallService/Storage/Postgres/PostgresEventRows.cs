using Npgsql;
using static CallService.Storage.Postgres.PostgresCallMapping;

namespace CallService.Storage.Postgres;

/// <summary>
/// The realtime event log (<c>realtime_events</c>) and its numbers (the one-row counter <c>realtime_event_counter</c>),
/// shared by every node: a party's events are read back by whichever node holds its socket. Writing (numbering at
/// commit, the notification): <see cref="PostgresEventNumbering"/>.
/// </summary>
internal static class PostgresEventRows
{
    private const string Columns = "seq, user_id, call_id, type, at, frame";

    /// <summary>
    /// Moves the counter on by <paramref name="count"/> and returns the first number of the block: one autocommitted
    /// update of one row, so blocks never overlap, and a rolled-back update gives its numbers back whole (nothing was
    /// handed out). Numbers reserved this way carry no commit order (<see cref="PostgresEventNumbering"/> does).
    /// </summary>
    public static long Reserve(NpgsqlDataSource dataSource, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        using var reserve = dataSource.CreateCommand(
            "UPDATE realtime_event_counter SET value = value + $1 WHERE id = 1 RETURNING value");
        reserve.Parameters.Add(Value((long)count));
        var last = (long)reserve.ExecuteScalar()!;
        return last - count + 1;
    }

    /// <summary>The highest number a committed transaction handed out.</summary>
    public static long LastCommitted(NpgsqlDataSource dataSource)
    {
        using var read = dataSource.CreateCommand("SELECT value FROM realtime_event_counter WHERE id = 1");
        return (long)read.ExecuteScalar()!;
    }

    public static List<StoredEvent> Of(NpgsqlDataSource dataSource, string userId, long afterSeq, long throughSeq, DateTimeOffset since)
    {
        using var cmd = dataSource.CreateCommand($"""
            SELECT {Columns} FROM realtime_events
            WHERE user_id=$1 AND seq > $2 AND seq <= $3 AND at >= $4 ORDER BY seq
            """);
        cmd.Parameters.Add(Value(userId));
        cmd.Parameters.Add(Value(afterSeq));
        cmd.Parameters.Add(Value(throughSeq));
        cmd.Parameters.Add(Value(Ts(since)));
        using var r = cmd.ExecuteReader();
        var list = new List<StoredEvent>();
        while (r.Read()) list.Add(Event(r));
        return list;
    }

    /// <summary>Every user's events in <c>(afterSeq, throughSeq]</c> by seq (a range scan of the primary key), with their writer.</summary>
    public static List<SharedEvent> Range(NpgsqlDataSource dataSource, long afterSeq, long throughSeq, int limit)
    {
        using var cmd = dataSource.CreateCommand($"""
            SELECT {Columns}, node_id FROM realtime_events WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3
            """);
        cmd.Parameters.Add(Value(afterSeq));
        cmd.Parameters.Add(Value(throughSeq));
        cmd.Parameters.Add(Value(limit));
        using var r = cmd.ExecuteReader();
        var list = new List<SharedEvent>();
        while (r.Read()) list.Add(new SharedEvent(Event(r), r.IsDBNull(6) ? null : r.GetString(6)));
        return list;
    }

    private static StoredEvent Event(NpgsqlDataReader r) =>
        new(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), At(r, 4)!.Value, r.GetFieldValue<byte[]>(5));

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

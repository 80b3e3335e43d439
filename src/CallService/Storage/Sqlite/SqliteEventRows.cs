using Microsoft.Data.Sqlite;

namespace CallService.Storage.Sqlite;

/// <summary>
/// The realtime event log (<c>realtime_events</c>) and its number counter (<c>counters.event_seq</c>). Runs under the
/// store's writer lock.
/// </summary>
internal sealed class SqliteEventRows(Func<SqliteConnection> connection)
{
    private SqliteStatement? _insert;
    private SqliteStatement? _insertPair;

    /// <summary>
    /// Inserts <paramref name="events"/> in order, two rows per statement where it can: most writes carry an event for
    /// each party (accept, connect, end), so most of a lifecycle's seven rows go in pairs (each
    /// execution is a statement step and reset). In the transaction open on the connection (the writer's).
    /// </summary>
    public void Insert(IReadOnlyList<StoredEvent> events)
    {
        var i = 0;
        if (events.Count >= 2)
        {
            var pair = _insertPair ??= Prepare(rows: 2);
            for (; i + 1 < events.Count; i += 2)
            {
                Bind(pair, 0, events[i]);
                Bind(pair, Columns.Length, events[i + 1]);
                pair.Execute();
            }
        }
        if (i == events.Count) return;
        var insert = _insert ??= Prepare(rows: 1);
        Bind(insert, 0, events[i]);
        insert.Execute();
    }

    private static readonly string[] Columns = ["seq", "u", "c", "t", "at", "f"];

    private static void Bind(SqliteStatement insert, int first, StoredEvent e)
    {
        insert.Bind(first, e.Seq);
        insert.Bind(first + 1, e.UserId);
        insert.Bind(first + 2, e.CallId);
        insert.Bind(first + 3, e.Type);
        insert.Bind(first + 4, e.At.ToUnixTimeMilliseconds());
        insert.Bind(first + 5, e.Frame);
    }

    /// <summary>Moves the counter on by <paramref name="count"/>; returns the first number of the block.</summary>
    public long Reserve(int count, SqliteTransaction tx)
    {
        using (var seed = connection().CreateCommand())
        {
            seed.Transaction = tx;
            // Never below a number already in the log (a database written before the counter existed).
            seed.CommandText = """
                INSERT INTO counters(name, value) VALUES('event_seq', COALESCE((SELECT MAX(seq) FROM realtime_events), 0))
                ON CONFLICT(name) DO NOTHING
                """;
            seed.ExecuteNonQuery();
        }
        using var cmd = connection().CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "UPDATE counters SET value = value + $n WHERE name='event_seq' RETURNING value";
        cmd.Parameters.AddWithValue("$n", count);
        var last = (long)cmd.ExecuteScalar()!;
        return last - count + 1;
    }

    public List<StoredEvent> Of(string userId, long afterSeq, long throughSeq, DateTimeOffset since)
    {
        using var cmd = connection().CreateCommand();
        cmd.CommandText = """
            SELECT seq, user_id, call_id, type, at, frame FROM realtime_events
            WHERE user_id=$u AND seq > $after AND seq <= $through AND at >= $since ORDER BY seq
            """;
        cmd.Parameters.AddWithValue("$u", userId);
        cmd.Parameters.AddWithValue("$after", afterSeq);
        cmd.Parameters.AddWithValue("$through", throughSeq);
        cmd.Parameters.AddWithValue("$since", since.ToUnixTimeMilliseconds());
        using var r = cmd.ExecuteReader();
        var list = new List<StoredEvent>();
        while (r.Read())
            list.Add(new StoredEvent(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3),
                SqliteCallMapping.At(r.GetInt64(4)), (byte[])r.GetValue(5)));
        return list;
    }

    /// <summary>
    /// Of the <paramref name="limit"/> lowest-numbered events, deletes those numbered up to <paramref name="throughSeq"/>
    /// or produced before <paramref name="before"/>; returns how many (fewer than <paramref name="limit"/>: no older
    /// event is left to delete now).
    /// </summary>
    /// <remarks>
    /// Reads the oldest numbers through the table's own key instead of an index on <c>at</c> (none: one page fewer
    /// written by every commit with events). Numbers follow production order, so the oldest numbers are the oldest
    /// events; after the clock was stepped back, the events numbered before the step carry later times, and only
    /// <paramref name="throughSeq"/> (<see cref="SqliteEventWatermarks"/>) lets the deletion pass them.
    /// </remarks>
    public int DeleteBefore(DateTimeOffset before, long throughSeq, int limit, SqliteTransaction tx)
    {
        using var cmd = connection().CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = """
            DELETE FROM realtime_events WHERE seq IN
              (SELECT seq FROM (SELECT seq, at FROM realtime_events ORDER BY seq LIMIT $limit) WHERE seq <= $through OR at < $before)
            """;
        cmd.Parameters.AddWithValue("$before", before.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$through", throughSeq);
        cmd.Parameters.AddWithValue("$limit", limit);
        return cmd.ExecuteNonQuery();
    }

    /// <summary>The newest event's number and time (Unix ms), through the table's key; null when the log is empty.</summary>
    public (long Seq, long AtMs)? Newest()
    {
        using var cmd = connection().CreateCommand();
        cmd.CommandText = "SELECT seq, at FROM realtime_events ORDER BY seq DESC LIMIT 1";
        using var r = cmd.ExecuteReader();
        return r.Read() ? (r.GetInt64(0), r.GetInt64(1)) : null;
    }

    /// <summary>The insert of <paramref name="rows"/> rows, parameters <c>$seq0, $u0, … $f0, $seq1, …</c> in column order.</summary>
    private SqliteStatement Prepare(int rows)
    {
        var values = Enumerable.Range(0, rows).Select(r => "(" + string.Join(", ", Columns.Select(c => $"${c}{r}")) + ")");
        return new SqliteStatement(connection(),
            "INSERT INTO realtime_events(seq, user_id, call_id, type, at, frame) VALUES" + string.Join(", ", values),
            [.. Enumerable.Range(0, rows).SelectMany(r => Columns.Select(c => $"${c}{r}"))]);
    }

    public void DisposeStatements()
    {
        _insert?.Dispose();
        _insertPair?.Dispose();
    }
}

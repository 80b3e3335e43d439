using System.Text;
using Npgsql;
using NpgsqlTypes;
using static CallService.Storage.Postgres.PostgresCallMapping;

namespace CallService.Storage.Postgres;

/// <summary>
/// Writes a transaction's realtime events as its last statement before the commit, numbering them there, and tells
/// the other nodes (<c>pg_notify</c> on <see cref="Channel"/>, delivered only if and when the transaction commits:
/// PostgreSQL docs, "NOTIFY").
/// </summary>
/// <remarks>
/// <para><b>Why numbers follow commits.</b> The numbers come from one row (<c>realtime_event_counter</c>) that the
/// statement updates; the row lock is held until the transaction ends (PostgreSQL docs, "Row-Level Locks"), so a second
/// transaction's update waits for the first to commit, then reads the first's value (READ COMMITTED re-checks the
/// updated row) and numbers above it. Hence a transaction holding higher numbers commits after every one holding lower
/// numbers, and a rolled-back transaction gives its numbers back (no hole). The lock is held for this one statement
/// and the commit; writes without events never take it.</para>
/// <para><b>The frame.</b> The hub encodes an event before it has a number, as <c>{"seq":0,…}</c> (<c>seq</c> is the
/// first property of <see cref="CallContracts.Realtime.RealtimeEvent"/>); the statement writes
/// <c>{"seq":N,…}</c> and this node builds the same bytes for its own sockets.</para>
/// <para><b>The notification</b>: <c>"&lt;node id&gt; &lt;first seq&gt; &lt;last seq&gt;"</c>, a few dozen bytes whatever
/// the batch size (the payload limit is 8000 bytes: PostgreSQL docs, "NOTIFY").</para>
/// </remarks>
internal static class PostgresEventNumbering
{
    /// <summary>The LISTEN/NOTIFY channel of committed events (a node's own: <see cref="PostgresStorageOptions.EventChannel"/>).</summary>
    public const string Channel = "callservice_events";

    /// <summary>The start of a frame encoded before its number is known.</summary>
    private static readonly byte[] Unnumbered = "{\"seq\":0"u8.ToArray();

    /// <summary>
    /// The statements that insert <paramref name="events"/> (added to the transaction's last batch): those with seq 0
    /// are numbered there (in list order) and notified, the one statement that returns a row (the number before the
    /// first), notified on <paramref name="channel"/>; any carrying a number (reserved earlier with <see cref="PostgresEventRows.Reserve"/>) are written as they are.
    /// </summary>
    public static List<NpgsqlBatchCommand> Commands(IReadOnlyList<StoredEvent> events, string nodeId, string channel)
    {
        var fresh = new List<StoredEvent>(events.Count);
        var given = new List<StoredEvent>();
        foreach (var e in events) (e.Seq == 0 ? fresh : given).Add(e);
        var commands = new List<NpgsqlBatchCommand>(2);
        if (given.Count > 0) commands.Add(InsertAsGiven(given, nodeId));
        if (fresh.Count > 0) commands.Add(Number(fresh, nodeId, channel));
        return commands;
    }

    /// <summary>
    /// <paramref name="events"/> as written once <see cref="Commands"/> ran and returned <paramref name="numberBase"/>
    /// (the number before the first new one): all of them in list order, and the ones numbered there.
    /// </summary>
    public static (List<StoredEvent> All, List<StoredEvent> Numbered) Written(IReadOnlyList<StoredEvent> events, long numberBase)
    {
        var numbered = new List<StoredEvent>();
        var all = new List<StoredEvent>(events.Count);
        var next = numberBase + 1;
        foreach (var e in events)
        {
            if (e.Seq != 0)
            {
                all.Add(e);
                continue;
            }
            var n = e with { Seq = next, Frame = Frame(next, e.Frame) };
            next++;
            numbered.Add(n);
            all.Add(n);
        }
        return (all, numbered);
    }

    /// <summary>The frame of an unnumbered event with its number: <c>{"seq":N</c> + the rest of the encoded event.</summary>
    public static byte[] Frame(long seq, byte[] unnumbered)
    {
        var head = Encoding.UTF8.GetBytes("{\"seq\":" + seq.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var tail = Tail(unnumbered);
        var frame = new byte[head.Length + tail.Length];
        head.CopyTo(frame, 0);
        tail.CopyTo(frame.AsSpan(head.Length));
        return frame;
    }

    private static ReadOnlySpan<byte> Tail(byte[] unnumbered)
    {
        if (!unnumbered.AsSpan().StartsWith(Unnumbered) || unnumbered.Length <= Unnumbered.Length ||
            unnumbered[Unnumbered.Length] is not ((byte)',' or (byte)'}'))
            throw new InvalidOperationException("An event without a number must be encoded as {\"seq\":0,…}.");
        return unnumbered.AsSpan(Unnumbered.Length);
    }

    /// <summary>One statement: take the numbers, insert the rows with their frames, notify. Returns (one row) the number before the first.</summary>
    private static NpgsqlBatchCommand Number(List<StoredEvent> events, string nodeId, string channel)
    {
        var cmd = new NpgsqlBatchCommand("""
            WITH n AS (UPDATE realtime_event_counter SET value = value + $1 WHERE id = 1 RETURNING value - $1 AS base),
            ins AS (
              INSERT INTO realtime_events(seq, user_id, call_id, type, at, frame, node_id)
              SELECT n.base + e.i, e.u, e.c, e.t, e.a, convert_to('{"seq":' || (n.base + e.i)::text, 'UTF8') || e.f, $7
              FROM n, unnest($2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::bytea[]) WITH ORDINALITY AS e(u, c, t, a, f, i)),
            notified AS (SELECT pg_notify($8, $7 || ' ' || (n.base + 1)::text || ' ' || (n.base + $1)::text) FROM n)
            SELECT n.base FROM n CROSS JOIN notified
            """);
        cmd.Parameters.Add(Value((long)events.Count));
        AddColumns(cmd, events);
        cmd.Parameters.Add(Value(nodeId));
        cmd.Parameters.Add(Value(channel));
        return cmd;
    }

    private static NpgsqlBatchCommand InsertAsGiven(List<StoredEvent> events, string nodeId)
    {
        var cmd = new NpgsqlBatchCommand("""
            INSERT INTO realtime_events(seq, user_id, call_id, type, at, frame, node_id)
            SELECT e.s, e.u, e.c, e.t, e.a, e.f, $7
            FROM unnest($2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::bytea[], $1::bigint[]) AS e(u, c, t, a, f, s)
            """);
        cmd.Parameters.Add(Value(events.Select(e => e.Seq).ToArray()));
        AddColumns(cmd, events, numbered: true);
        cmd.Parameters.Add(Value(nodeId));
        return cmd;
    }

    /// <summary>Parameters $2..$6: users, calls, types, times, frames (tails when the events are to be numbered).</summary>
    private static void AddColumns(NpgsqlBatchCommand cmd, List<StoredEvent> events, bool numbered = false)
    {
        cmd.Parameters.Add(Value(events.Select(e => e.UserId).ToArray()));
        cmd.Parameters.Add(Value(events.Select(e => e.CallId).ToArray()));
        cmd.Parameters.Add(Value(events.Select(e => e.Type).ToArray()));
        cmd.Parameters.Add(Value(events.Select(e => Ts(e.At)).ToArray()));
        cmd.Parameters.Add(new NpgsqlParameter
        {
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea,
            Value = events.Select(e => numbered ? e.Frame : Tail(e.Frame).ToArray()).ToArray(),
        });
    }
}

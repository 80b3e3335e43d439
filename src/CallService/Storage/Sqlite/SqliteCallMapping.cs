using System.Text.Json;
using CallService.Calls;
using Microsoft.Data.Sqlite;

namespace CallService.Storage.Sqlite;

/// <summary>
/// Maps a call to its rows and back: <c>calls</c> (one row, its transitions in a column:
/// <see cref="SqliteTransitionsColumn"/>), <c>call_transitions</c> (an older build's transitions, read only),
/// <c>call_media</c>, and the busy claims in <c>busy_parties</c>. Statements on the hot path are prepared once and
/// reused (<see cref="SqliteStatement"/>: they run in the transaction open on the connection, the writer's); every
/// method runs under the store's writer lock.
/// </summary>
internal sealed partial class SqliteCallMapping(Func<SqliteConnection> connection, SqliteEventRows events)
{
    private SqliteStatement? _upsert;
    private SqliteStatement? _update;
    private SqliteStatement? _updateOpen;
    private SqliteStatement? _claim;
    private SqliteStatement? _release;

    /// <summary>Writes one change; false when the busy claim of a new call failed (nothing written).</summary>
    public bool Write(CallWrite write, string nodeId, SqliteTransaction tx)
    {
        var c = write.Call;
        if (write.ClaimParties && !Claim(c)) return false;
        var transitions = SqliteTransitionsColumn.Encode(write.NewTransitions);
        if (!write.Stored || !Update(c, write.At, transitions)) Upsert(c, write.At, nodeId, transitions);
        SaveMedia(c, tx);
        if (c.State == CallState.Ended) Release(c);
        events.Insert(write.Events);
        return true;
    }

    /// <summary>
    /// The busy claim: both users' rows inserted in one statement, each skipped when its user is already claimed; when
    /// fewer than two went in, this call's own row (if any) is deleted again in the same transaction and the claim
    /// fails. Every write runs in the writer's transaction under the store's writer lock, so "is the callee busy?" and
    /// "claim both" can never interleave with another create. Only for a call id that holds no claim yet (a new call's
    /// create): a failed claim deletes the call's own rows.
    /// </summary>
    /// <remarks>
    /// Neither statement reads <c>busy_parties</c> in a subquery or an <c>IN</c> list: SQLite builds a temporary b-tree
    /// (its own pager and page cache, opened and torn down per execution) for an <c>INSERT … SELECT</c> that reads its
    /// own table and for an <c>IN (…)</c> list, which the earlier one-statement claim and the release paid three
    /// times per lifecycle (docs/performance-notes.md, session 10).
    /// </remarks>
    private bool Claim(CallSnapshot c)
    {
        if (BindParties(_claim ??= Statement(ClaimSql, PartyParameters), c).Execute() == 2) return true;
        Release(c); // one party was free: its new row goes, the other party's claim (another call's) stays
        return false;
    }

    /// <summary>Drops the call's claims, found by their users' keys (no index on <c>call_id</c>: <see cref="SqliteSchema"/>).</summary>
    private void Release(CallSnapshot c)
    {
        BindParties(_release ??= Statement(ReleaseSql, PartyParameters), c).Execute();
    }

    /// <summary>The parameters of <see cref="ClaimSql"/> and <see cref="ReleaseSql"/>: the call, its caller, its callee.</summary>
    private static readonly string[] PartyParameters = ["$id", "$a", "$b"];

    /// <summary>Binds <see cref="PartyParameters"/> of <paramref name="statement"/> to <paramref name="c"/>'s.</summary>
    private static SqliteStatement BindParties(SqliteStatement statement, CallSnapshot c)
    {
        statement.Bind(0, c.CallId);
        statement.Bind(1, c.CallerUserId);
        statement.Bind(2, c.CalleeUserId);
        return statement;
    }

    /// <summary>Inserts both parties' claims of call <c>$id</c>, each only if its user holds none (see <see cref="Claim"/>).</summary>
    internal const string ClaimSql =
        "INSERT INTO busy_parties(user_id, call_id) VALUES($a, $id), ($b, $id) ON CONFLICT DO NOTHING";

    /// <summary>Deletes call <c>$id</c>'s claims of users <c>$a</c> and <c>$b</c>: one primary-key lookup each.</summary>
    internal const string ReleaseSql =
        "DELETE FROM busy_parties WHERE user_id=$a AND call_id=$id; DELETE FROM busy_parties WHERE user_id=$b AND call_id=$id";

    /// <summary>
    /// Inserts or updates the call's row with its new <paramref name="transitions"/> (JSON, null for none). An ended row
    /// keeps its ending: a write that would change it is ignored, its transitions with it (a node that lost its lease and
    /// came back still holds the calls another node ended <c>node_lost</c>; no ghost call comes back).
    /// </summary>
    private void Upsert(CallSnapshot c, DateTimeOffset at, string nodeId, string? transitions)
    {
        var upsert = _upsert ??= Statement("""
            INSERT INTO calls(call_id, scenario, ring, caller, callee, timers, state, created_at, accepted_at, connected_at,
              ended_at, end_reason, ended_by, code, a_issued, b_issued, quality_a, quality_b, updated_at, node_id, transitions)
            VALUES($id, $scenario, $ring, $caller, $callee, $timers, $state, $created, $accepted, $connected,
              $ended, $reason, $by, $code, $ai, $bi, $qa, $qb, $updated, $node, $tr)
            ON CONFLICT(call_id) DO UPDATE SET state=$state, accepted_at=$accepted, connected_at=$connected, ended_at=$ended,
              end_reason=$reason, ended_by=$by, code=$code, a_issued=$ai, b_issued=$bi, quality_a=$qa, quality_b=$qb,
              updated_at=$updated, transitions=
            """ + SqliteTransitionsColumn.AppendParameter + """

            WHERE calls.state <> 'ended' OR calls.end_reason IS $reason
            """, "$id", "$scenario", "$ring", "$caller", "$callee", "$timers", "$state", "$created", "$accepted", "$connected",
            "$ended", "$reason", "$by", "$code", "$ai", "$bi", "$qa", "$qb", "$updated", "$node", "$tr");
        upsert.Bind(0, c.CallId);
        upsert.Bind(1, c.Scenario);
        upsert.Bind(2, c.Ring);
        upsert.Bind(3, c.CallerUserId);
        upsert.Bind(4, c.CalleeUserId);
        upsert.Bind(5, TimersJson(c.Timers));
        upsert.Bind(6, c.State.ToWire());
        upsert.Bind(7, c.CreatedAt.ToUnixTimeMilliseconds());
        upsert.Bind(8, MsOrNull(c.AcceptedAt));
        upsert.Bind(9, MsOrNull(c.ConnectedAt));
        upsert.Bind(10, MsOrNull(c.EndedAt));
        upsert.Bind(11, c.EndReason?.ToWire());
        upsert.Bind(12, c.EndedBy?.ToWire());
        upsert.Bind(13, (long?)c.Code);
        upsert.Bind(14, c.AIssued);
        upsert.Bind(15, c.BIssued);
        upsert.Bind(16, Warnings(c.WarningsA));
        upsert.Bind(17, Warnings(c.WarningsB));
        upsert.Bind(18, at.ToUnixTimeMilliseconds());
        upsert.Bind(19, nodeId);
        upsert.Bind(20, transitions);
        upsert.Execute();
    }

    /// <summary>
    /// Updates the columns a change can move and appends its <paramref name="transitions"/> (14 parameters instead of the
    /// row's 21, each bound at every execution), with the same guard as
    /// <see cref="Upsert"/>. False when no row changed: the row is missing (then <see cref="Upsert"/> writes it) or
    /// ended with another ending (then the upsert is ignored as well).
    /// </summary>
    private bool Update(CallSnapshot c, DateTimeOffset at, string? transitions)
    {
        if (c.State != CallState.Ended) return UpdateOpen(c, at, transitions);
        var update = _update ??= Statement("""
            UPDATE calls SET state=$state, accepted_at=$accepted, connected_at=$connected, a_issued=$ai, b_issued=$bi,
              quality_a=$qa, quality_b=$qb, updated_at=$updated, transitions=
            """ + SqliteTransitionsColumn.AppendParameter + """
            ,
              ended_at=$ended, end_reason=$reason, ended_by=$by, code=$code
            WHERE call_id=$id AND (state <> 'ended' OR end_reason IS $reason)
            """, [.. ChangingColumns, "$ended", "$reason", "$by", "$code"]);
        BindChangingColumns(update, c, at, transitions);
        update.Bind(ChangingColumns.Length, MsOrNull(c.EndedAt));
        update.Bind(ChangingColumns.Length + 1, c.EndReason?.ToWire());
        update.Bind(ChangingColumns.Length + 2, c.EndedBy?.ToWire());
        update.Bind(ChangingColumns.Length + 3, (long?)c.Code);
        return update.Execute() == 1;
    }

    /// <summary>
    /// <see cref="Update"/> for a call still open: sets no ending column (they are null on an open row, which is all the
    /// guard lets through), so SQLite leaves <c>calls_unended</c> alone (it rewrites an index whose key or condition
    /// names a column in the <c>SET</c> list, changed or not).
    /// </summary>
    private bool UpdateOpen(CallSnapshot c, DateTimeOffset at, string? transitions)
    {
        var update = _updateOpen ??= Statement("""
            UPDATE calls SET state=$state, accepted_at=$accepted, connected_at=$connected, a_issued=$ai, b_issued=$bi,
              quality_a=$qa, quality_b=$qb, updated_at=$updated, transitions=
            """ + SqliteTransitionsColumn.AppendParameter + """

            WHERE call_id=$id AND (state <> 'ended' OR end_reason IS NULL)
            """, ChangingColumns);
        BindChangingColumns(update, c, at, transitions);
        return update.Execute() == 1;
    }

    /// <summary>The parameters <see cref="Update"/> and <see cref="UpdateOpen"/> share, first in both and in this order.</summary>
    private static readonly string[] ChangingColumns = ["$id", "$state", "$accepted", "$connected", "$ai", "$bi", "$qa", "$qb", "$updated", "$tr"];

    /// <summary>Binds <see cref="ChangingColumns"/> of <paramref name="update"/>.</summary>
    private static void BindChangingColumns(SqliteStatement update, CallSnapshot c, DateTimeOffset at, string? transitions)
    {
        update.Bind(0, c.CallId);
        update.Bind(1, c.State.ToWire());
        update.Bind(2, MsOrNull(c.AcceptedAt));
        update.Bind(3, MsOrNull(c.ConnectedAt));
        update.Bind(4, c.AIssued);
        update.Bind(5, c.BIssued);
        update.Bind(6, Warnings(c.WarningsA));
        update.Bind(7, Warnings(c.WarningsB));
        update.Bind(8, at.ToUnixTimeMilliseconds());
        update.Bind(9, transitions);
    }

    public const string SelectCalls = """
        SELECT call_id, scenario, ring, caller, callee, timers, state, created_at, accepted_at, connected_at, ended_at,
               end_reason, ended_by, code, a_issued, b_issued, quality_a, quality_b, transitions FROM calls
        """;

    /// <summary>
    /// Reads the rows <paramref name="cmd"/> selects (<see cref="SelectCalls"/>) with their transitions (an older build's
    /// rows in <c>call_transitions</c> first, then the column's) and media.
    /// </summary>
    public List<CallSnapshot> ReadCalls(SqliteCommand cmd)
    {
        var rows = new List<CallSnapshot>();
        var columns = new List<string?>();
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                rows.Add(new CallSnapshot(
                    r.GetString(0), r.GetString(1), r.GetBoolean(2), r.GetString(3), r.GetString(4),
                    JsonSerializer.Deserialize<TimersRow>(r.GetString(5))!.ToSettings(),
                    CallWireNames.ParseState(r.GetString(6)), At(r.GetInt64(7)), AtOrNull(r, 8), AtOrNull(r, 9), AtOrNull(r, 10),
                    r.IsDBNull(11) ? null : CallWireNames.ParseReason(r.GetString(11)),
                    r.IsDBNull(12) ? null : CallWireNames.ParseEnder(r.GetString(12)),
                    r.IsDBNull(13) ? null : r.GetInt32(13), r.GetBoolean(14), r.GetBoolean(15),
                    JsonSerializer.Deserialize<Dictionary<int, int>>(r.GetString(16))!,
                    JsonSerializer.Deserialize<Dictionary<int, int>>(r.GetString(17))!, []));
                columns.Add(r.IsDBNull(18) ? null : r.GetString(18));
            }
        }
        for (var i = 0; i < rows.Count; i++)
        {
            var transitions = ReadTransitions(rows[i].CallId, cmd.Transaction);
            if (columns[i] is { } column) SqliteTransitionsColumn.Decode(column, transitions);
            rows[i] = ReadMedia(rows[i] with { Transitions = transitions }, cmd.Transaction);
        }
        return rows;
    }

    private List<CallTransition> ReadTransitions(string callId, SqliteTransaction? tx)
    {
        using var cmd = Command("SELECT state, at, detail FROM call_transitions WHERE call_id=$id ORDER BY seq", tx);
        cmd.Parameters.AddWithValue("$id", callId);
        using var r = cmd.ExecuteReader();
        var list = new List<CallTransition>();
        while (r.Read())
            list.Add(new CallTransition(CallWireNames.ParseState(r.GetString(0)), At(r.GetInt64(1)), r.IsDBNull(2) ? "" : r.GetString(2)));
        return list;
    }

    private SqliteCommand Command(string sql, SqliteTransaction? tx = null)
    {
        var cmd = connection().CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        return cmd;
    }

    /// <summary>A hot-path write, prepared once (<see cref="SqliteStatement"/>); its parameters in ordinal order.</summary>
    private SqliteStatement Statement(string sql, params string[] parameters) => new(connection(), sql, parameters);

    /// <summary>
    /// The <c>timers</c> column: every call of a configuration has the same settings, so the last encoding is reused
    /// (writes run one at a time under the store's writer lock).
    /// </summary>
    private string TimersJson(CallTimerSettings timers)
    {
        if (_timersJson is { } last && last.Settings == timers) return last.Json;
        var json = JsonSerializer.Serialize(TimersRow.Of(timers));
        _timersJson = (timers, json);
        return json;
    }

    private (CallTimerSettings Settings, string Json)? _timersJson;

    private static string Warnings(IReadOnlyDictionary<int, int> warnings) =>
        warnings.Count == 0 ? "{}" : JsonSerializer.Serialize(warnings);

    internal static object Ms(DateTimeOffset? at) => at is { } v ? v.ToUnixTimeMilliseconds() : DBNull.Value;
    private static long? MsOrNull(DateTimeOffset? at) => at?.ToUnixTimeMilliseconds();
    internal static DateTimeOffset At(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
    private static DateTimeOffset? AtOrNull(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : At(r.GetInt64(i));

    public void DisposeStatements()
    {
        _upsert?.Dispose();
        _update?.Dispose();
        _updateOpen?.Dispose();
        _claim?.Dispose();
        _release?.Dispose();
    }

    private sealed record TimersRow(double Ring, double MediaJoin, double PublisherLost, double MaxDuration)
    {
        public static TimersRow Of(CallTimerSettings t) =>
            new(t.RingTimeout.TotalSeconds, t.MediaJoinTimeout.TotalSeconds, t.PublisherLostGrace.TotalSeconds, t.MaxDuration.TotalSeconds);

        public CallTimerSettings ToSettings() => new(TimeSpan.FromSeconds(Ring), TimeSpan.FromSeconds(MediaJoin),
            TimeSpan.FromSeconds(PublisherLost), TimeSpan.FromSeconds(MaxDuration));
    }
}

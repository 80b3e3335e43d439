using System.Text.Json;
using CallService.Calls;
using Microsoft.Data.Sqlite;

namespace CallService.Storage.Sqlite;

/// <summary>
/// Maps a call to its rows and back: <c>calls</c> (one row, its transitions in a column:
/// <see cref="SqliteTransitionsColumn"/>), <c>call_transitions</c> (an older build's transitions, read only),
/// <c>call_media</c>, and the busy claims in <c>busy_parties</c>. Statements on the hot path are prepared once and
/// reused; every method runs under the store's writer lock.
/// </summary>
internal sealed partial class SqliteCallMapping(Func<SqliteConnection> connection, SqliteEventRows events)
{
    private SqliteCommand? _upsert;
    private SqliteCommand? _update;
    private SqliteCommand? _updateOpen;
    private SqliteCommand? _claim;
    private SqliteCommand? _release;

    /// <summary>Writes one change; false when the busy claim of a new call failed (nothing written).</summary>
    public bool Write(CallWrite write, string nodeId, SqliteTransaction tx)
    {
        var c = write.Call;
        if (write.ClaimParties && !Claim(c, tx)) return false;
        var transitions = SqliteTransitionsColumn.Encode(write.NewTransitions);
        if (!write.Stored || !Update(c, write.At, transitions, tx)) Upsert(c, write.At, nodeId, transitions, tx);
        SaveMedia(c, tx);
        if (c.State == CallState.Ended) Release(c, tx);
        events.Insert(write.Events, tx);
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
    private bool Claim(CallSnapshot c, SqliteTransaction tx)
    {
        var claim = _claim ??= Prepare(ClaimSql, "$id", "$a", "$b");
        claim.Transaction = tx;
        claim.Parameters[0].Value = c.CallId;
        claim.Parameters[1].Value = c.CallerUserId;
        claim.Parameters[2].Value = c.CalleeUserId;
        if (claim.ExecuteNonQuery() == 2) return true;
        Release(c, tx); // one party was free: its new row goes, the other party's claim (another call's) stays
        return false;
    }

    /// <summary>Drops the call's claims, found by their users' keys (no index on <c>call_id</c>: <see cref="SqliteSchema"/>).</summary>
    private void Release(CallSnapshot c, SqliteTransaction tx)
    {
        var release = _release ??= Prepare(ReleaseSql, "$id", "$a", "$b");
        release.Transaction = tx;
        release.Parameters[0].Value = c.CallId;
        release.Parameters[1].Value = c.CallerUserId;
        release.Parameters[2].Value = c.CalleeUserId;
        release.ExecuteNonQuery();
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
    private void Upsert(CallSnapshot c, DateTimeOffset at, string nodeId, string? transitions, SqliteTransaction tx)
    {
        var upsert = _upsert ??= Prepare("""
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
        upsert.Transaction = tx;
        var p = upsert.Parameters;
        p[0].Value = c.CallId;
        p[1].Value = c.Scenario;
        p[2].Value = c.Ring;
        p[3].Value = c.CallerUserId;
        p[4].Value = c.CalleeUserId;
        p[5].Value = TimersJson(c.Timers);
        p[6].Value = c.State.ToWire();
        p[7].Value = c.CreatedAt.ToUnixTimeMilliseconds();
        p[8].Value = Ms(c.AcceptedAt);
        p[9].Value = Ms(c.ConnectedAt);
        p[10].Value = Ms(c.EndedAt);
        p[11].Value = (object?)c.EndReason?.ToWire() ?? DBNull.Value;
        p[12].Value = (object?)c.EndedBy?.ToWire() ?? DBNull.Value;
        p[13].Value = (object?)c.Code ?? DBNull.Value;
        p[14].Value = c.AIssued;
        p[15].Value = c.BIssued;
        p[16].Value = Warnings(c.WarningsA);
        p[17].Value = Warnings(c.WarningsB);
        p[18].Value = at.ToUnixTimeMilliseconds();
        p[19].Value = nodeId;
        p[20].Value = (object?)transitions ?? DBNull.Value;
        upsert.ExecuteNonQuery();
    }

    /// <summary>
    /// Updates the columns a change can move and appends its <paramref name="transitions"/> (14 parameters instead of the
    /// row's 21: Microsoft.Data.Sqlite binds and copies every parameter at each execution), with the same guard as
    /// <see cref="Upsert"/>. False when no row changed: the row is missing (then <see cref="Upsert"/> writes it) or
    /// ended with another ending (then the upsert is ignored as well).
    /// </summary>
    private bool Update(CallSnapshot c, DateTimeOffset at, string? transitions, SqliteTransaction tx)
    {
        if (c.State != CallState.Ended) return UpdateOpen(c, at, transitions, tx);
        var update = _update ??= Prepare("""
            UPDATE calls SET state=$state, accepted_at=$accepted, connected_at=$connected, a_issued=$ai, b_issued=$bi,
              quality_a=$qa, quality_b=$qb, updated_at=$updated, transitions=
            """ + SqliteTransitionsColumn.AppendParameter + """
            ,
              ended_at=$ended, end_reason=$reason, ended_by=$by, code=$code
            WHERE call_id=$id AND (state <> 'ended' OR end_reason IS $reason)
            """, [.. ChangingColumns, "$ended", "$reason", "$by", "$code"]);
        var p = BindChangingColumns(update, c, at, transitions, tx);
        p[ChangingColumns.Length].Value = Ms(c.EndedAt);
        p[ChangingColumns.Length + 1].Value = (object?)c.EndReason?.ToWire() ?? DBNull.Value;
        p[ChangingColumns.Length + 2].Value = (object?)c.EndedBy?.ToWire() ?? DBNull.Value;
        p[ChangingColumns.Length + 3].Value = (object?)c.Code ?? DBNull.Value;
        return update.ExecuteNonQuery() == 1;
    }

    /// <summary>
    /// <see cref="Update"/> for a call still open: sets no ending column (they are null on an open row, which is all the
    /// guard lets through), so SQLite leaves <c>calls_unended</c> alone (it rewrites an index whose key or condition
    /// names a column in the <c>SET</c> list, changed or not).
    /// </summary>
    private bool UpdateOpen(CallSnapshot c, DateTimeOffset at, string? transitions, SqliteTransaction tx)
    {
        var update = _updateOpen ??= Prepare("""
            UPDATE calls SET state=$state, accepted_at=$accepted, connected_at=$connected, a_issued=$ai, b_issued=$bi,
              quality_a=$qa, quality_b=$qb, updated_at=$updated, transitions=
            """ + SqliteTransitionsColumn.AppendParameter + """

            WHERE call_id=$id AND (state <> 'ended' OR end_reason IS NULL)
            """, ChangingColumns);
        BindChangingColumns(update, c, at, transitions, tx);
        return update.ExecuteNonQuery() == 1;
    }

    /// <summary>The parameters <see cref="Update"/> and <see cref="UpdateOpen"/> share, first in both and in this order.</summary>
    private static readonly string[] ChangingColumns = ["$id", "$state", "$accepted", "$connected", "$ai", "$bi", "$qa", "$qb", "$updated", "$tr"];

    /// <summary>Binds <see cref="ChangingColumns"/> of <paramref name="update"/>; returns its parameters.</summary>
    private static SqliteParameterCollection BindChangingColumns(SqliteCommand update, CallSnapshot c, DateTimeOffset at, string? transitions,
        SqliteTransaction tx)
    {
        update.Transaction = tx;
        var p = update.Parameters;
        p[0].Value = c.CallId;
        p[1].Value = c.State.ToWire();
        p[2].Value = Ms(c.AcceptedAt);
        p[3].Value = Ms(c.ConnectedAt);
        p[4].Value = c.AIssued;
        p[5].Value = c.BIssued;
        p[6].Value = Warnings(c.WarningsA);
        p[7].Value = Warnings(c.WarningsB);
        p[8].Value = at.ToUnixTimeMilliseconds();
        p[9].Value = (object?)transitions ?? DBNull.Value;
        return p;
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

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var cmd = Command(sql);
        foreach (var name in parameters) cmd.Parameters.Add(new SqliteParameter(name, DBNull.Value));
        return cmd;
    }

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

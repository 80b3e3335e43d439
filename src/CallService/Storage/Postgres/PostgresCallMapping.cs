using System.Text.Json;
using CallContracts.Calls;
using CallService.Calls;
using Npgsql;
using NpgsqlTypes;

namespace CallService.Storage.Postgres;

/// <summary>
/// Maps a call to its rows and back: <c>calls</c> (one row), <c>call_transitions</c>, <c>call_media</c>, the busy
/// claims in <c>busy_parties</c>, and the change's realtime events. A change is one statement (<see cref="Change"/>):
/// the statements of one change as data-modifying <c>WITH</c> clauses (PostgreSQL docs, "Data-Modifying Statements in
/// WITH": all run on the same snapshot, none of them reads another's rows here), several rows as arrays
/// (<c>unnest</c>). <see cref="PostgresGroupCommit"/> sends the claims of a whole batch (<see cref="ClaimAll"/>), its
/// changes, their webhook rows, their events and the commit as one asynchronous <see cref="NpgsqlBatch"/> (one round
/// trip); after a lost claim, the claims (<see cref="Claim"/>) in a round trip before the rest.
/// </summary>
/// <remarks>
/// <b>Batches of several statements only asynchronously.</b> Npgsql writes every statement of a <i>synchronous</i>
/// batch after the first on a thread-pool task (to avoid a deadlock with a server writing results while the client
/// writes parameters; Npgsql source, <c>NpgsqlCommand.ShouldSchedule</c>; Npgsql 8.0 release notes): a synchronous
/// batch from a thread while the pool's threads wait for that commit hung the node (docs/performance-notes.md). The
/// store's synchronous writes (<see cref="PostgresGroupCommit.Run{T}(Func{NpgsqlConnection, NpgsqlTransaction, T})"/>)
/// therefore stay one statement per command.
/// </remarks>
internal static class PostgresCallMapping
{
    private static readonly JsonSerializerOptions MediaJson = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// The busy rule (DESIGN §3.1) as one conditional write: one statement inserts both users' claims, skipping a user
    /// already claimed (<c>ON CONFLICT DO NOTHING</c>). A concurrent claim of the same user on another node makes this
    /// statement wait for that transaction and then skip the row (PostgreSQL docs, "INSERT … ON CONFLICT"), so two rows
    /// inserted (<see cref="ClaimWon"/>) means neither party was busy. Fewer: the partial claim is undone
    /// (<see cref="Unclaim"/>) and the create loses. Users are inserted in byte order, so two creates that share both
    /// users lock them in the same order.
    /// </summary>
    public static NpgsqlBatchCommand Claim(CallSnapshot c)
    {
        var (first, second) = string.CompareOrdinal(c.CallerUserId, c.CalleeUserId) <= 0
            ? (c.CallerUserId, c.CalleeUserId)
            : (c.CalleeUserId, c.CallerUserId);
        var claim = new NpgsqlBatchCommand("INSERT INTO busy_parties(user_id, call_id) VALUES($1, $3), ($2, $3) ON CONFLICT(user_id) DO NOTHING");
        claim.Parameters.Add(Value(first));
        claim.Parameters.Add(Value(second));
        claim.Parameters.Add(Value(c.CallId));
        return claim;
    }

    /// <summary>
    /// The busy claims of several new calls as one plain insert that wins them all or fails: a user already claimed (or
    /// claimed twice among <paramref name="calls"/>) violates the primary key of <c>busy_parties</c>
    /// (<see cref="IsClaimConflict"/>), after waiting for a concurrent claim of that user to commit or roll back, as
    /// <see cref="Claim"/> does. Rows go in in user order (the index's collation), so two such inserts lock shared users in
    /// the same order. For a batch in one round trip: its failure rolls the transaction back, and the batch is written
    /// again with <see cref="Claim"/> (which tells which claims lost).
    /// </summary>
    public static NpgsqlBatchCommand ClaimAll(IReadOnlyList<CallSnapshot> calls)
    {
        var users = new string[calls.Count * 2];
        var ids = new string[calls.Count * 2];
        for (var i = 0; i < calls.Count; i++)
        {
            (users[2 * i], users[2 * i + 1]) = (calls[i].CallerUserId, calls[i].CalleeUserId);
            (ids[2 * i], ids[2 * i + 1]) = (calls[i].CallId, calls[i].CallId);
        }
        var claim = new NpgsqlBatchCommand(
            "INSERT INTO busy_parties(user_id, call_id) SELECT u, c FROM unnest($1::text[], $2::text[]) AS t(u, c) ORDER BY u COLLATE \"C\"");
        claim.Parameters.Add(Value(users));
        claim.Parameters.Add(Value(ids));
        return claim;
    }

    /// <summary>Whether <paramref name="e"/> is a busy claim of <see cref="ClaimAll"/> that did not win (SQLSTATE 23505 on <c>busy_parties</c>).</summary>
    public static bool IsClaimConflict(PostgresException e) =>
        e.SqlState == PostgresErrorCodes.UniqueViolation && e.TableName == "busy_parties";

    /// <summary>Whether an executed <see cref="Claim"/> claimed both users.</summary>
    public static bool ClaimWon(NpgsqlBatchCommand claim) => claim.RecordsAffected == 2;

    /// <summary>Undoes the partial claims of the calls <paramref name="callIds"/> whose claim lost.</summary>
    public static NpgsqlBatchCommand Unclaim(IReadOnlyList<string> callIds)
    {
        var undo = new NpgsqlBatchCommand("DELETE FROM busy_parties WHERE call_id = ANY($1)");
        undo.Parameters.Add(Value(callIds.ToArray()));
        return undo;
    }

    /// <summary>
    /// The change as one statement: the call's row (upserted), its media row when it has media, its new transitions in
    /// order, and, once ended, the release of its busy claims. An ended row keeps its ending: an upsert that would change
    /// it is ignored, its transitions with it (a node that lost its lease and came back still holds the calls another node ended <c>node_lost</c>;
    /// no ghost call comes back).
    /// </summary>
    public static NpgsqlBatchCommand Change(CallWrite write, string nodeId)
    {
        if (write.Stored) return Update(write);
        var c = write.Call;
        var cmd = new NpgsqlBatchCommand(UpsertText);
        cmd.Parameters.AddRange(new NpgsqlParameter[]
        {
            Value(c.CallId), Value(c.Scenario), Value(c.Ring), Value(c.CallerUserId), Value(c.CalleeUserId),
            Json(JsonSerializer.Serialize(TimersRow.Of(c.Timers))), Value(c.State.ToWire()), Value(Ts(c.CreatedAt)),
            Time(c.AcceptedAt), Time(c.ConnectedAt), Time(c.EndedAt),
            Text(c.EndReason?.ToWire()), Text(c.EndedBy?.ToWire()),
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = (object?)c.Code ?? DBNull.Value },
            Value(c.AIssued), Value(c.BIssued), Json(Warnings(c.WarningsA)), Json(Warnings(c.WarningsB)), Value(Ts(write.At)), Value(nodeId),
        });
        cmd.Parameters.AddRange(AfterTheRowParameters(write));
        return cmd;
    }

    /// <summary>
    /// <see cref="Change"/> of a call whose row exists (<see cref="CallWrite.Stored"/>): an <c>UPDATE</c> of the columns a
    /// change can move, 20 parameters with the media and transitions instead of 27 (no insert to try and give up on a
    /// conflict), under the same guard as the upsert (an ended row keeps its ending).
    /// </summary>
    private static NpgsqlBatchCommand Update(CallWrite write)
    {
        var c = write.Call;
        var cmd = new NpgsqlBatchCommand(UpdateText);
        cmd.Parameters.AddRange(new NpgsqlParameter[]
        {
            Value(c.CallId), Value(c.State.ToWire()), Time(c.AcceptedAt), Time(c.ConnectedAt), Time(c.EndedAt),
            Text(c.EndReason?.ToWire()), Text(c.EndedBy?.ToWire()),
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = (object?)c.Code ?? DBNull.Value },
            Value(c.AIssued), Value(c.BIssued), Json(Warnings(c.WarningsA)), Json(Warnings(c.WarningsB)), Value(Ts(write.At)),
        });
        cmd.Parameters.AddRange(AfterTheRowParameters(write));
        return cmd;
    }

    /// <summary>The text of <see cref="Change"/> for a call's first write: the row upserted, then <see cref="AfterTheRow"/>.</summary>
    private static readonly string UpsertText = """
            WITH changed AS (
              INSERT INTO calls(call_id, scenario, ring, caller, callee, timers, state, created_at, accepted_at, connected_at,
                ended_at, end_reason, ended_by, code, a_issued, b_issued, quality_a, quality_b, updated_at, node_id)
              VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
              ON CONFLICT(call_id) DO UPDATE SET state=EXCLUDED.state, accepted_at=EXCLUDED.accepted_at,
                connected_at=EXCLUDED.connected_at, ended_at=EXCLUDED.ended_at, end_reason=EXCLUDED.end_reason,
                ended_by=EXCLUDED.ended_by, code=EXCLUDED.code, a_issued=EXCLUDED.a_issued, b_issued=EXCLUDED.b_issued,
                quality_a=EXCLUDED.quality_a, quality_b=EXCLUDED.quality_b, updated_at=EXCLUDED.updated_at
                WHERE calls.state <> 'ended' OR calls.end_reason IS NOT DISTINCT FROM EXCLUDED.end_reason
              RETURNING 1),
            """ + AfterTheRow(21);

    /// <summary>The text of <see cref="Update"/>: the changing columns of a stored row, then <see cref="AfterTheRow"/>.</summary>
    private static readonly string UpdateText = """
            WITH changed AS (
              UPDATE calls SET state=$2, accepted_at=$3, connected_at=$4, ended_at=$5, end_reason=$6, ended_by=$7, code=$8,
                a_issued=$9, b_issued=$10, quality_a=$11, quality_b=$12, updated_at=$13
              WHERE call_id=$1 AND (state <> 'ended' OR end_reason IS NOT DISTINCT FROM $6)
              RETURNING 1),
            """ + AfterTheRow(14);

    /// <summary>
    /// The part of <see cref="Change"/> after the call's row (the CTE <c>changed</c>, a row when the guard let the change
    /// through), shared by the upsert and the update: the media row when the call has media, the new transitions in order
    /// when the row changed (a write the guard ignores adds none: a call's history holds only what happened to it, as on
    /// SQLite), and, once ended, the release of its busy claims. Its seven
    /// parameters are numbered from <paramref name="first"/> (<see cref="AfterTheRowParameters"/>, in that order); the
    /// text is the same for each statement kind, so Npgsql's automatic preparation keeps one prepared statement each.
    /// </summary>
    private static string AfterTheRow(int first) => "\n" + $"""
        media AS (
          INSERT INTO call_media(call_id, media_a, media_b) SELECT $1, ${first}, ${first + 1} WHERE ${first + 2}
          ON CONFLICT(call_id) DO UPDATE SET media_a=EXCLUDED.media_a, media_b=EXCLUDED.media_b),
        transitions AS (
          INSERT INTO call_transitions(call_id, state, at, detail)
          SELECT $1, t.s, t.a, t.d FROM unnest(${first + 3}::text[], ${first + 4}::timestamptz[], ${first + 5}::text[]) WITH ORDINALITY AS t(s, a, d, i)
          WHERE EXISTS (SELECT 1 FROM changed)
          ORDER BY t.i)
        DELETE FROM busy_parties WHERE ${first + 6} AND call_id = $1
        """;

    /// <summary>The seven parameters of <see cref="AfterTheRow"/>.</summary>
    private static NpgsqlParameter[] AfterTheRowParameters(CallWrite write)
    {
        var c = write.Call;
        return
        [
            Json(c.MediaA is null ? null : JsonSerializer.Serialize(c.MediaA, MediaJson)),
            Json(c.MediaB is null ? null : JsonSerializer.Serialize(c.MediaB, MediaJson)),
            Value(c.MediaA is not null || c.MediaB is not null),
            Value(write.NewTransitions.Select(t => t.State.ToWire()).ToArray()),
            Value(write.NewTransitions.Select(t => Ts(t.At)).ToArray()),
            Value(write.NewTransitions.Select(t => (string?)t.Detail).ToArray()),
            Value(c.State == CallState.Ended),
        ];
    }

    /// <summary>The columns <see cref="ReadCalls"/> expects, from <c>calls c LEFT JOIN call_media m</c>.</summary>
    public const string SelectCalls = """
        SELECT c.call_id, c.scenario, c.ring, c.caller, c.callee, c.timers, c.state, c.created_at, c.accepted_at,
               c.connected_at, c.ended_at, c.end_reason, c.ended_by, c.code, c.a_issued, c.b_issued, c.quality_a,
               c.quality_b, m.media_a, m.media_b
        FROM calls c LEFT JOIN call_media m ON m.call_id = c.call_id
        """;

    /// <summary>Reads the rows <paramref name="cmd"/> selects (<see cref="SelectCalls"/>), then their transitions in one query.</summary>
    public static List<CallSnapshot> ReadCalls(NpgsqlCommand cmd)
    {
        var rows = new List<CallSnapshot>();
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                rows.Add(new CallSnapshot(
                    r.GetString(0), r.GetString(1), r.GetBoolean(2), r.GetString(3), r.GetString(4),
                    JsonSerializer.Deserialize<TimersRow>(r.GetString(5))!.ToSettings(),
                    CallWireNames.ParseState(r.GetString(6)), At(r, 7)!.Value, At(r, 8), At(r, 9), At(r, 10),
                    r.IsDBNull(11) ? null : CallWireNames.ParseReason(r.GetString(11)),
                    r.IsDBNull(12) ? null : CallWireNames.ParseEnder(r.GetString(12)),
                    r.IsDBNull(13) ? null : r.GetInt32(13), r.GetBoolean(14), r.GetBoolean(15),
                    JsonSerializer.Deserialize<Dictionary<int, int>>(r.GetString(16))!,
                    JsonSerializer.Deserialize<Dictionary<int, int>>(r.GetString(17))!, [])
                {
                    MediaA = Media(r, 18), MediaB = Media(r, 19),
                });
            }
        }
        if (rows.Count == 0) return rows;
        var transitions = rows.ToDictionary(c => c.CallId, _ => new List<CallTransition>(), StringComparer.Ordinal);
        using (var read = new NpgsqlCommand(
                   "SELECT call_id, state, at, detail FROM call_transitions WHERE call_id = ANY($1) ORDER BY call_id, id", cmd.Connection))
        {
            read.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. transitions.Keys] });
            using var r = read.ExecuteReader();
            while (r.Read())
                transitions[r.GetString(0)].Add(new CallTransition(CallWireNames.ParseState(r.GetString(1)), At(r, 2)!.Value,
                    r.IsDBNull(3) ? "" : r.GetString(3)));
        }
        return [.. rows.Select(c => c with { Transitions = transitions[c.CallId] })];
    }

    /// <summary>A time as stored: UTC, whole milliseconds (the SQLite store's precision, so both providers read the same).</summary>
    internal static DateTimeOffset Ts(DateTimeOffset at) => DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds());

    internal static DateTimeOffset? At(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);

    internal static NpgsqlParameter<T> Value<T>(T value) => new() { TypedValue = value };

    private static NpgsqlParameter Time(DateTimeOffset? at) =>
        new() { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = at is { } v ? Ts(v) : DBNull.Value };

    private static NpgsqlParameter Text(string? value) => new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value };

    private static NpgsqlParameter Json(string? value) => new() { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = (object?)value ?? DBNull.Value };

    private static PartyMediaQuality? Media(NpgsqlDataReader r, int i) =>
        r.IsDBNull(i) ? null : JsonSerializer.Deserialize<PartyMediaQuality>(r.GetString(i), MediaJson);

    private static string Warnings(IReadOnlyDictionary<int, int> warnings) =>
        warnings.Count == 0 ? "{}" : JsonSerializer.Serialize(warnings);

    private sealed record TimersRow(double Ring, double MediaJoin, double PublisherLost, double MaxDuration)
    {
        public static TimersRow Of(CallTimerSettings t) =>
            new(t.RingTimeout.TotalSeconds, t.MediaJoinTimeout.TotalSeconds, t.PublisherLostGrace.TotalSeconds, t.MaxDuration.TotalSeconds);

        public CallTimerSettings ToSettings() => new(TimeSpan.FromSeconds(Ring), TimeSpan.FromSeconds(MediaJoin),
            TimeSpan.FromSeconds(PublisherLost), TimeSpan.FromSeconds(MaxDuration));
    }
}

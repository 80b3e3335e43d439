using System.Text;
using System.Text.Json;
using CallService.Calls;
using CallService.Common.Json;

namespace CallService.Storage.Sqlite;

/// <summary>
/// A call's transitions as a column of its <c>calls</c> row (<c>transitions</c>): a compact JSON array of
/// <c>[state, at (Unix ms), detail]</c> triples, oldest first, appended by the statement that updates the row.
/// </summary>
/// <remarks>
/// Every write of a call updates its row anyway, so the transitions ride in a page that commit writes already: as rows
/// of <c>call_transitions</c> (keyed by the call id, a random value) each write also dirtied a random leaf of that
/// b-tree, one more 4 KiB WAL frame per commit (about 5.5 of a lifecycle's ~39 frames, counted by replaying a
/// lifecycle's commits). Rows an older build wrote stay in <c>call_transitions</c>; a call's transitions are that
/// table's rows (by <c>seq</c>) followed by the column's (<see cref="SqliteCallMapping"/>).
/// </remarks>
internal static class SqliteTransitionsColumn
{
    /// <summary>
    /// SQL that appends the JSON array bound to <c>$tr</c> to the column (null <c>$tr</c>: unchanged). The column never
    /// holds an empty array (<see cref="Encode"/> gives null for none), so splicing the two arrays' texts stays valid JSON.
    /// </summary>
    public const string AppendParameter =
        "CASE WHEN $tr IS NULL THEN transitions WHEN transitions IS NULL THEN $tr " +
        "ELSE substr(transitions, 1, length(transitions) - 1) || ',' || substr($tr, 2) END";

    /// <summary>SQL that appends one triple built in SQL (<paramref name="triple"/>: a <c>json_array(…)</c> expression).</summary>
    public static string AppendOne(string triple) =>
        $"CASE WHEN transitions IS NULL THEN '[' || {triple} || ']' " +
        $"ELSE substr(transitions, 1, length(transitions) - 1) || ',' || {triple} || ']' END";

    /// <summary>The transitions as the column's JSON; null when there are none (the column is left as it is).</summary>
    /// <remarks>
    /// Written through a buffer and writer kept per thread (<see cref="JsonScratch"/>; the store's writer thread, or a
    /// caller's in the idle-store path): a new pair per write was three allocations beside the string (the writer, its buffer and the buffer's
    /// growth from the 64 bytes asked to the writer's 256-byte minimum), ≈ 3 % of a lifecycle's allocated bytes.
    /// </remarks>
    public static string? Encode(IReadOnlyList<CallTransition> transitions)
    {
        if (transitions.Count == 0) return null;
        var scratch = t_scratch ??= new JsonScratch(default, initialBytes: 1024, KeptBufferBytes);
        var json = scratch.Start();
        json.WriteStartArray();
        foreach (var t in transitions)
        {
            json.WriteStartArray();
            json.WriteStringValue(t.State.ToWire());
            json.WriteNumberValue(t.At.ToUnixTimeMilliseconds());
            json.WriteStringValue(t.Detail);
            json.WriteEndArray();
        }
        json.WriteEndArray();
        var text = Encoding.UTF8.GetString(scratch.Written());
        JsonScratch.Return(ref t_scratch); // a rare long history: not kept
        return text;
    }

    private const int KeptBufferBytes = 16 * 1024;

    [ThreadStatic] private static JsonScratch? t_scratch;

    /// <summary>Adds the column's transitions to <paramref name="into"/>, oldest first.</summary>
    /// <exception cref="JsonException">The column is not such an array (a damaged row).</exception>
    public static void Decode(string column, List<CallTransition> into)
    {
        using var doc = JsonDocument.Parse(column);
        foreach (var t in doc.RootElement.EnumerateArray())
            into.Add(new CallTransition(CallWireNames.ParseState(t[0].GetString()!), SqliteCallMapping.At(t[1].GetInt64()),
                t[2].GetString() ?? ""));
    }

    /// <summary>
    /// Before running an older build on this database (one that reads transitions only from <c>call_transitions</c>):
    /// copies every column's transitions into <c>call_transitions</c> rows after the call's existing rows (numbered as an
    /// older build numbers them: from 1, one more per transition) and empties the column, in one transaction. This build
    /// reads the result as before. Run with the service stopped, e.g. <c>sqlite3 {data}/calls.db "&lt;this&gt;"</c>.
    /// </summary>
    public const string DowngradeSql = """
        BEGIN IMMEDIATE;
        INSERT INTO call_transitions(call_id, seq, state, at, detail)
          SELECT c.call_id, (SELECT COALESCE(MAX(t.seq), 0) FROM call_transitions t WHERE t.call_id = c.call_id) + j.key + 1,
                 json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]'), json_extract(j.value, '$[2]')
          FROM calls c, json_each(c.transitions) j WHERE c.transitions IS NOT NULL;
        UPDATE calls SET transitions = NULL WHERE transitions IS NOT NULL;
        COMMIT;
        """;
}

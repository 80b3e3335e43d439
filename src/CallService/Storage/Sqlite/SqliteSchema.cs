using Microsoft.Data.Sqlite;

namespace CallService.Storage.Sqlite;

/// <summary>
/// The SQLite schema, created or migrated at start. Columns added after the first release are added with
/// <c>ALTER TABLE … ADD COLUMN</c> (nullable), so a database written by an older build opens as it is.
/// </summary>
/// <remarks>
/// <c>call_transitions</c> and <c>busy_parties</c> are <c>WITHOUT ROWID</c> tables in a database created by this build:
/// their rows are small and always found by their primary key, so the rows live in the key's own b-tree (one b-tree
/// written per row instead of a rowid table plus the key's index: one page fewer in the WAL per commit that writes
/// them; SQLite, "The WITHOUT ROWID Optimization", https://sqlite.org/withoutrowid.html). A database created by an
/// older build keeps its rowid tables: the statements are the same for both shapes.
/// <para>
/// <c>busy_parties</c> has no index on <c>call_id</c> (an older build's <c>busy_parties_call</c> is dropped): claims are
/// released by their users' keys and the call id (<see cref="SqliteCallMapping"/>), so the index only cost a random leaf
/// written at each create and each end.
/// </para>
/// <para>
/// A call's transitions are a column of its row (<see cref="SqliteTransitionsColumn"/>): <c>call_transitions</c> keeps
/// the rows an older build wrote and gets no new ones. <c>realtime_events</c> has no index on <c>at</c> (an older
/// build's <c>realtime_events_at</c> is dropped): old events are deleted oldest number first
/// (<see cref="SqliteEventRows.DeleteBefore"/>, past a clock stepped back by <see cref="SqliteEventWatermarks"/>), so
/// the index only cost a page written at every commit with events.
/// </para>
/// <para>
/// Open calls are found through <c>calls_unended</c> (node id, where <c>ended_at</c> is null), which a call's writes
/// between create and end leave alone (they set neither column: <see cref="SqliteCallMapping"/>); queries for open calls
/// say <c>ended_at IS NULL AND state &lt;&gt; 'ended'</c> so SQLite can use it. An older build's <c>calls_open</c>
/// (state, where not ended) was rewritten by every change of state, one leaf more per commit; it is dropped at start.
/// </para>
/// </remarks>
internal static class SqliteSchema
{
    private const string Tables = """
        CREATE TABLE IF NOT EXISTS calls (
          call_id TEXT PRIMARY KEY, scenario TEXT NOT NULL, ring INTEGER NOT NULL,
          caller TEXT NOT NULL, callee TEXT NOT NULL, timers TEXT NOT NULL, state TEXT NOT NULL,
          created_at INTEGER NOT NULL, accepted_at INTEGER, connected_at INTEGER, ended_at INTEGER,
          end_reason TEXT, ended_by TEXT, code INTEGER, a_issued INTEGER NOT NULL, b_issued INTEGER NOT NULL,
          quality_a TEXT NOT NULL, quality_b TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS calls_created ON calls(created_at DESC, call_id DESC);
        CREATE INDEX IF NOT EXISTS calls_caller ON calls(caller, created_at DESC);
        CREATE INDEX IF NOT EXISTS calls_callee ON calls(callee, created_at DESC);
        CREATE TABLE IF NOT EXISTS call_transitions (
          call_id TEXT NOT NULL, seq INTEGER NOT NULL, state TEXT NOT NULL, at INTEGER NOT NULL, detail TEXT,
          PRIMARY KEY (call_id, seq)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS call_media (
          call_id TEXT PRIMARY KEY, media_a TEXT, media_b TEXT);
        CREATE TABLE IF NOT EXISTS busy_parties (
          user_id TEXT PRIMARY KEY, call_id TEXT NOT NULL) WITHOUT ROWID;
        DROP INDEX IF EXISTS busy_parties_call;
        CREATE TABLE IF NOT EXISTS realtime_events (
          seq INTEGER PRIMARY KEY, user_id TEXT NOT NULL, call_id TEXT NOT NULL, type TEXT NOT NULL,
          at INTEGER NOT NULL, frame BLOB NOT NULL);
        CREATE INDEX IF NOT EXISTS realtime_events_user ON realtime_events(user_id, seq);
        DROP INDEX IF EXISTS realtime_events_at;
        CREATE TABLE IF NOT EXISTS counters (
          name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS idempotency_keys (
          scope TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, created_at INTEGER NOT NULL, response TEXT,
          PRIMARY KEY (scope, key));
        CREATE TABLE IF NOT EXISTS node_leases (
          node_id TEXT PRIMARY KEY, renewed_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS webhook_outbox (
          id INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT NOT NULL, endpoint_url TEXT NOT NULL, type TEXT NOT NULL,
          call_id TEXT, created_at INTEGER NOT NULL, body TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL,
          next_attempt_at INTEGER, last_attempt_at INTEGER, last_status INTEGER, last_error TEXT, delivered_at INTEGER,
          lease_until INTEGER, lease_token TEXT, leased_by TEXT);
        CREATE INDEX IF NOT EXISTS webhook_outbox_due ON webhook_outbox(next_attempt_at, id) WHERE status='pending';
        CREATE INDEX IF NOT EXISTS webhook_outbox_order ON webhook_outbox(call_id, endpoint_url, id) WHERE status='pending';
        CREATE INDEX IF NOT EXISTS webhook_outbox_status ON webhook_outbox(status, id);
        """;

    /// <summary>Columns of <c>calls</c> added after the first release: name → type.</summary>
    private static readonly (string Name, string Type)[] AddedCallColumns =
    [
        ("updated_at", "INTEGER"), // the call's last write: when it was last known alive
        ("node_id", "TEXT"),       // the node the call is placed on (null: written before nodes existed)
        ("transitions", "TEXT"),   // the call's transitions (SqliteTransitionsColumn); an older build's are in call_transitions
    ];

    /// <summary>Node registry: columns of <c>node_leases</c> added after the first release (what a node registers at start).</summary>
    private static readonly (string Name, string Type)[] AddedNodeLeaseColumns =
    [
        ("internal_url", "TEXT"),                   // how other nodes reach this node's HTTP API
        ("rtmp_base_url", "TEXT"),                  // Media:PublicRtmpBaseUrl of the node
        ("flv_base_url", "TEXT"),                   // Media:PublicFlvBaseUrl of the node
        ("draining", "INTEGER NOT NULL DEFAULT 0"), // 1 while the node drains
        ("started_at", "INTEGER"),                  // when the node's current process registered
    ];

    public static void Apply(SqliteConnection connection)
    {
        Exec(connection, Tables);
        AddColumns(connection, "calls", AddedCallColumns);
        AddColumns(connection, "node_leases", AddedNodeLeaseColumns); // migration: node registry
        Exec(connection, """
            DROP INDEX IF EXISTS calls_open;
            CREATE INDEX IF NOT EXISTS calls_unended ON calls(node_id) WHERE ended_at IS NULL;
            """);
        // Calls that were live when an older build stopped hold no busy claim: claim them, so the rule stays true.
        Exec(connection, """
            INSERT OR IGNORE INTO busy_parties(user_id, call_id) SELECT caller, call_id FROM calls WHERE ended_at IS NULL AND state <> 'ended';
            INSERT OR IGNORE INTO busy_parties(user_id, call_id) SELECT callee, call_id FROM calls WHERE ended_at IS NULL AND state <> 'ended';
            """);
    }

    private static void AddColumns(SqliteConnection connection, string table, (string Name, string Type)[] columns)
    {
        var existing = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        using (var info = connection.CreateCommand())
        {
            info.CommandText = $"PRAGMA table_info({table});";
            using var r = info.ExecuteReader();
            while (r.Read()) existing.Add(r.GetString(1));
        }
        foreach (var (name, type) in columns)
            if (!existing.Contains(name)) Exec(connection, $"ALTER TABLE {table} ADD COLUMN {name} {type};");
    }

    private static void Exec(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}

using Npgsql;

namespace CallService.Storage.Postgres;

/// <summary>
/// The PostgreSQL schema, created or migrated at start: numbered migrations, each applied once in its own transaction
/// and recorded in <c>schema_version</c>. Nodes starting at the same time take one transaction-scoped advisory lock
/// (PostgreSQL docs, "Advisory Locks"), so exactly one of them migrates and the others find the work done. The DDL is
/// idempotent too (<c>IF NOT EXISTS</c>). New columns and tables are added by a new migration at the end of the list,
/// never by editing an applied one.
/// </summary>
/// <remarks>
/// Times are <c>timestamptz</c> written with millisecond precision (as the SQLite store keeps them), so records read
/// the same from either provider. Ids compare byte-wise (<c>COLLATE "C"</c>): the records' keyset paging orders by
/// call id and must not depend on the database's locale.
/// </remarks>
internal static class PostgresSchema
{
    /// <summary>Arbitrary key of the advisory lock that serialises migrations across nodes.</summary>
    private const long MigrationLock = 0x43616c6c_53766331; // "CallSvc1"

    /// <summary>The migrations, in order: version = index + 1.</summary>
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE IF NOT EXISTS calls (
          call_id text COLLATE "C" PRIMARY KEY, scenario text NOT NULL, ring boolean NOT NULL,
          caller text COLLATE "C" NOT NULL, callee text COLLATE "C" NOT NULL, timers jsonb NOT NULL, state text NOT NULL,
          created_at timestamptz NOT NULL, accepted_at timestamptz, connected_at timestamptz, ended_at timestamptz,
          end_reason text, ended_by text, code integer, a_issued boolean NOT NULL, b_issued boolean NOT NULL,
          quality_a jsonb NOT NULL, quality_b jsonb NOT NULL, updated_at timestamptz NOT NULL, node_id text NOT NULL);
        CREATE INDEX IF NOT EXISTS calls_created ON calls(created_at DESC, call_id DESC);
        CREATE INDEX IF NOT EXISTS calls_caller ON calls(caller, created_at DESC);
        CREATE INDEX IF NOT EXISTS calls_callee ON calls(callee, created_at DESC);
        CREATE INDEX IF NOT EXISTS calls_open ON calls(node_id) WHERE state <> 'ended';
        CREATE TABLE IF NOT EXISTS call_transitions (
          id bigserial PRIMARY KEY, call_id text COLLATE "C" NOT NULL, state text NOT NULL, at timestamptz NOT NULL,
          detail text);
        CREATE INDEX IF NOT EXISTS call_transitions_call ON call_transitions(call_id, id);
        CREATE TABLE IF NOT EXISTS call_media (
          call_id text COLLATE "C" PRIMARY KEY, media_a jsonb, media_b jsonb);
        CREATE TABLE IF NOT EXISTS busy_parties (
          user_id text COLLATE "C" PRIMARY KEY, call_id text COLLATE "C" NOT NULL);
        CREATE INDEX IF NOT EXISTS busy_parties_call ON busy_parties(call_id);
        CREATE SEQUENCE IF NOT EXISTS realtime_event_seq AS bigint;
        CREATE TABLE IF NOT EXISTS realtime_events (
          seq bigint PRIMARY KEY, user_id text COLLATE "C" NOT NULL, call_id text COLLATE "C" NOT NULL, type text NOT NULL,
          at timestamptz NOT NULL, frame bytea NOT NULL);
        CREATE INDEX IF NOT EXISTS realtime_events_user ON realtime_events(user_id, seq);
        CREATE INDEX IF NOT EXISTS realtime_events_at ON realtime_events(at);
        CREATE TABLE IF NOT EXISTS idempotency_keys (
          scope text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL, fingerprint text NOT NULL,
          created_at timestamptz NOT NULL, response text, taken_by uuid NOT NULL, PRIMARY KEY (scope, key));
        CREATE INDEX IF NOT EXISTS idempotency_keys_created ON idempotency_keys(created_at);
        CREATE TABLE IF NOT EXISTS node_leases (
          node_id text COLLATE "C" PRIMARY KEY, renewed_at timestamptz NOT NULL);
        """,
        // 2: the webhook outbox (rows written with the call change that caused them; claimed per (call, endpoint)).
        """
        CREATE TABLE IF NOT EXISTS webhook_outbox (
          id bigserial PRIMARY KEY, message_id text NOT NULL, endpoint_url text COLLATE "C" NOT NULL, type text NOT NULL,
          call_id text COLLATE "C", created_at timestamptz NOT NULL, body text NOT NULL, status text NOT NULL,
          attempts integer NOT NULL, next_attempt_at timestamptz, last_attempt_at timestamptz, last_status integer,
          last_error text, delivered_at timestamptz, lease_until timestamptz, lease_token text, leased_by text);
        CREATE INDEX IF NOT EXISTS webhook_outbox_due ON webhook_outbox(next_attempt_at, id) WHERE status='pending';
        CREATE INDEX IF NOT EXISTS webhook_outbox_order ON webhook_outbox(call_id, endpoint_url, id) WHERE status='pending';
        CREATE INDEX IF NOT EXISTS webhook_outbox_status ON webhook_outbox(status, id);
        """,
        // node registry: what each node registers at start (its URLs, start time) and whether it drains.
        """
        ALTER TABLE node_leases
          ADD COLUMN IF NOT EXISTS internal_url text,
          ADD COLUMN IF NOT EXISTS rtmp_base_url text,
          ADD COLUMN IF NOT EXISTS flv_base_url text,
          ADD COLUMN IF NOT EXISTS draining boolean NOT NULL DEFAULT false,
          ADD COLUMN IF NOT EXISTS started_at timestamptz;
        """,
        // realtime events numbered at commit: one counter row (its row lock, held to the commit, orders the numbers as
        // the commits), seeded above every number the sequence handed out; and the node that wrote each event.
        """
        CREATE TABLE IF NOT EXISTS realtime_event_counter (id integer PRIMARY KEY CHECK (id = 1), value bigint NOT NULL);
        INSERT INTO realtime_event_counter(id, value)
        SELECT 1, GREATEST((SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM realtime_event_seq),
                           COALESCE((SELECT MAX(seq) FROM realtime_events), 0))
        ON CONFLICT (id) DO NOTHING;
        ALTER TABLE realtime_events ADD COLUMN IF NOT EXISTS node_id text;
        """,
    ];

    /// <summary>The version this build writes (the number of migrations).</summary>
    public static int Version => Migrations.Length;

    /// <summary>Applies the migrations the database lacks; returns the version it is at afterwards.</summary>
    /// <exception cref="InvalidOperationException">The database was written by a newer build.</exception>
    public static int Apply(NpgsqlDataSource dataSource)
    {
        using var connection = dataSource.OpenConnection();
        using var tx = connection.BeginTransaction();
        Exec(connection, tx, $"SELECT pg_advisory_xact_lock({MigrationLock})");
        Exec(connection, tx, "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
        int current;
        using (var read = new NpgsqlCommand("SELECT COALESCE(MAX(version), 0) FROM schema_version", connection, tx))
            current = Convert.ToInt32(read.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        if (current > Version)
            throw new InvalidOperationException(
                $"The PostgreSQL schema is at version {current}, newer than this build's {Version}: run the newer build (or a database of its own).");
        for (var version = current + 1; version <= Version; version++)
        {
            Exec(connection, tx, Migrations[version - 1]);
            using var record = new NpgsqlCommand("INSERT INTO schema_version(version) VALUES($1)", connection, tx);
            record.Parameters.Add(new NpgsqlParameter<int> { TypedValue = version });
            record.ExecuteNonQuery();
        }
        tx.Commit();
        return Version;
    }

    private static void Exec(NpgsqlConnection connection, NpgsqlTransaction tx, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, connection, tx);
        cmd.ExecuteNonQuery();
    }
}

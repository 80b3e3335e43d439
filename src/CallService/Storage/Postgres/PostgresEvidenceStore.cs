using CallService.Evidence;
using CallService.Hosting;
using Npgsql;
using NpgsqlTypes;

namespace CallService.Storage.Postgres;

/// <summary>
/// <see cref="IEvidenceStore"/> in PostgreSQL (<c>Storage:Provider=postgres</c>): table <c>call_evidence</c>, created
/// at start under a transaction-scoped advisory lock (nodes starting together create it once), pooled connections.
/// </summary>
internal sealed class PostgresEvidenceStore(PostgresStorageOptions options) : IEvidenceStore, IDisposable
{
    /// <summary>Arbitrary key of the advisory lock that serialises the creation of the table across nodes.</summary>
    private const long SchemaLock = 0x43616c6c_45766431; // "CallEvd1"

    private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create(options.ConnectionString);

    public void Initialize()
    {
        try
        {
            using var connection = _dataSource.OpenConnection();
            using var tx = connection.BeginTransaction();
            using var cmd = new NpgsqlCommand($"""
                SELECT pg_advisory_xact_lock({SchemaLock});
                CREATE TABLE IF NOT EXISTS call_evidence (
                  call_id text COLLATE "C" PRIMARY KEY, node_id text NOT NULL, state text NOT NULL, media_since timestamptz,
                  updated_at timestamptz NOT NULL, doc jsonb NOT NULL);
                CREATE INDEX IF NOT EXISTS call_evidence_media ON call_evidence(media_since) WHERE media_since IS NOT NULL;
                CREATE INDEX IF NOT EXISTS call_evidence_open ON call_evidence(node_id) WHERE state IN ('recording', 'processing');
                """, connection, tx);
            cmd.ExecuteNonQuery();
            tx.Commit();
        }
        catch (NpgsqlException e)
        {
            throw new StartupException(
                $"The PostgreSQL evidence store cannot be used ({e.Message.TrimEnd('.')}). Check Storage:Postgres:ConnectionString.", e);
        }
    }

    public void Save(CallEvidence evidence, DateTimeOffset at)
    {
        using var connection = _dataSource.OpenConnection();
        using var cmd = new NpgsqlCommand("""
            INSERT INTO call_evidence(call_id, node_id, state, media_since, updated_at, doc) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT(call_id) DO UPDATE SET node_id=excluded.node_id, state=excluded.state, media_since=excluded.media_since,
              updated_at=excluded.updated_at, doc=excluded.doc
            """, connection);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = evidence.CallId });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = evidence.NodeId });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = evidence.State.ToWire() });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = evidence.MediaSince is { } s ? s.ToUniversalTime() : DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = at.ToUniversalTime() });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = EvidenceJson.Write(evidence) });
        cmd.ExecuteNonQuery();
    }

    public CallEvidence? Find(string callId) =>
        Read("WHERE call_id=$1", new NpgsqlParameter<string> { TypedValue = callId }).SingleOrDefault();

    public IReadOnlyDictionary<string, CallEvidence> FindMany(IReadOnlyCollection<string> callIds) =>
        callIds.Count == 0
            ? new Dictionary<string, CallEvidence>()
            : Read("WHERE call_id = ANY($1)", new NpgsqlParameter<string[]> { TypedValue = [.. callIds] }).ToDictionary(e => e.CallId);

    public IReadOnlyList<CallEvidence> Unfinished(string nodeId) =>
        Read("WHERE node_id=$1 AND state IN ('recording', 'processing', 'waiting_consent')", new NpgsqlParameter<string> { TypedValue = nodeId });

    public IReadOnlyList<CallEvidence> WithMediaBefore(DateTimeOffset before, int limit) =>
        Read("WHERE media_since IS NOT NULL AND media_since < $1 ORDER BY media_since LIMIT $2",
            new NpgsqlParameter<DateTimeOffset> { TypedValue = before.ToUniversalTime() }, new NpgsqlParameter<int> { TypedValue = limit });

    private List<CallEvidence> Read(string where, params NpgsqlParameter[] parameters)
    {
        using var connection = _dataSource.OpenConnection();
        using var cmd = new NpgsqlCommand("SELECT doc::text FROM call_evidence " + where, connection);
        cmd.Parameters.AddRange(parameters);
        using var reader = cmd.ExecuteReader();
        var all = new List<CallEvidence>();
        while (reader.Read()) all.Add(EvidenceJson.Read(reader.GetString(0)));
        return all;
    }

    public void Dispose() => _dataSource.Dispose();
}

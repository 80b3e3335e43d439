using CallService.Evidence;
using CallService.Hosting;
using Microsoft.Data.Sqlite;

namespace CallService.Storage.Sqlite;

/// <summary>
/// <see cref="IEvidenceStore"/> in its own SQLite file (<c>{data}/evidence.db</c>, WAL), so evidence writes (a few per
/// recorded call) never wait behind the call records' group commits. One connection serialised by a lock.
/// </summary>
internal sealed class SqliteEvidenceStore(DataDirectory data) : IEvidenceStore, IDisposable
{
    private readonly Lock _gate = new();
    private SqliteConnection? _connection;

    public void Initialize()
    {
        lock (_gate) Open();
    }

    /// <summary>Opens the file and creates the schema once; the caller holds the lock.</summary>
    private SqliteConnection Open()
    {
        {
            if (_connection is not null) return _connection;
            var path = data.EnsurePrivateFile("evidence.db");
            var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
            connection.Open();
            using var cmd = connection.CreateCommand();
            cmd.CommandText = """
                PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;
                CREATE TABLE IF NOT EXISTS call_evidence (
                  call_id TEXT PRIMARY KEY, node_id TEXT NOT NULL, state TEXT NOT NULL, media_since INTEGER,
                  updated_at INTEGER NOT NULL, doc TEXT NOT NULL);
                CREATE INDEX IF NOT EXISTS call_evidence_media ON call_evidence(media_since) WHERE media_since IS NOT NULL;
                CREATE INDEX IF NOT EXISTS call_evidence_open ON call_evidence(node_id) WHERE state IN ('recording', 'processing');
                """;
            cmd.ExecuteNonQuery();
            _connection = connection;
            return connection;
        }
    }

    public void Save(CallEvidence evidence, DateTimeOffset at)
    {
        lock (_gate)
        {
            using var cmd = Connection().CreateCommand();
            cmd.CommandText = """
                INSERT INTO call_evidence(call_id, node_id, state, media_since, updated_at, doc) VALUES ($id, $node, $state, $since, $at, $doc)
                ON CONFLICT(call_id) DO UPDATE SET node_id=excluded.node_id, state=excluded.state, media_since=excluded.media_since,
                  updated_at=excluded.updated_at, doc=excluded.doc
                """;
            cmd.Parameters.AddWithValue("$id", evidence.CallId);
            cmd.Parameters.AddWithValue("$node", evidence.NodeId);
            cmd.Parameters.AddWithValue("$state", evidence.State.ToWire());
            cmd.Parameters.AddWithValue("$since", evidence.MediaSince is { } since ? since.ToUnixTimeMilliseconds() : DBNull.Value);
            cmd.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$doc", EvidenceJson.Write(evidence));
            cmd.ExecuteNonQuery();
        }
    }

    public CallEvidence? Find(string callId) => Read("WHERE call_id=$p0", callId).SingleOrDefault();

    public IReadOnlyDictionary<string, CallEvidence> FindMany(IReadOnlyCollection<string> callIds)
    {
        if (callIds.Count == 0) return new Dictionary<string, CallEvidence>();
        var names = callIds.Select((_, i) => "$p" + i).ToList();
        return Read($"WHERE call_id IN ({string.Join(',', names)})", [.. callIds]).ToDictionary(e => e.CallId);
    }

    public IReadOnlyList<CallEvidence> Unfinished(string nodeId) =>
        Read("WHERE node_id=$p0 AND state IN ('recording', 'processing', 'waiting_consent')", nodeId);

    public IReadOnlyList<CallEvidence> WithMediaBefore(DateTimeOffset before, int limit) =>
        Read("WHERE media_since IS NOT NULL AND media_since < $p0 ORDER BY media_since LIMIT $p1", before.ToUnixTimeMilliseconds(), limit);

    private List<CallEvidence> Read(string where, params object[] values)
    {
        lock (_gate)
        {
            using var cmd = Connection().CreateCommand();
            cmd.CommandText = "SELECT doc FROM call_evidence " + where;
            for (var i = 0; i < values.Length; i++) cmd.Parameters.AddWithValue("$p" + i, values[i]);
            using var reader = cmd.ExecuteReader();
            var all = new List<CallEvidence>();
            while (reader.Read()) all.Add(EvidenceJson.Read(reader.GetString(0)));
            return all;
        }
    }

    /// <summary>Opened on first use when <see cref="Initialize"/> has not run yet (a host that never started its hosted services).</summary>
    private SqliteConnection Connection() => _connection ?? Open();

    public void Dispose()
    {
        lock (_gate)
        {
            _connection?.Dispose();
            _connection = null;
        }
    }
}

using CallService.Cluster;
using Microsoft.Data.Sqlite;

namespace CallService.Storage.Sqlite;

/// <summary>The node registry: the rows of <c>node_leases</c> with what each node registered (one row with one SQLite node).</summary>
internal sealed partial class SqliteCallStore
{
    /// <summary>One upsert: a restart of the same node id replaces its URLs and start time, stops its draining, and never moves its lease back.</summary>
    public void RegisterNode(ClusterNodeInfo node) =>
        Exec("""
            INSERT INTO node_leases(node_id, renewed_at, internal_url, rtmp_base_url, flv_base_url, draining, started_at)
            VALUES($n, $at, $internal, $rtmp, $flv, 0, $at)
            ON CONFLICT(node_id) DO UPDATE SET renewed_at = MAX(renewed_at, excluded.renewed_at),
              internal_url = excluded.internal_url, rtmp_base_url = excluded.rtmp_base_url,
              flv_base_url = excluded.flv_base_url, draining = 0, started_at = excluded.started_at
            """, ("$n", node.NodeId), ("$at", node.StartedAt.ToUnixTimeMilliseconds()), ("$internal", OrNull(node.InternalUrl)),
            ("$rtmp", OrNull(node.RtmpBaseUrl)), ("$flv", OrNull(node.FlvBaseUrl)));

    public void SetDraining(string nodeId, bool draining) =>
        Exec("UPDATE node_leases SET draining=$d WHERE node_id=$n", ("$n", nodeId), ("$d", draining ? 1 : 0));

    public IReadOnlyList<ClusterNode> ClusterNodes()
    {
        lock (_gate)
        {
            using var cmd = Command("""
                SELECT l.node_id, l.internal_url, l.rtmp_base_url, l.flv_base_url, l.started_at, l.renewed_at, l.draining,
                       COALESCE(p.placed, 0)
                FROM node_leases l
                LEFT JOIN (SELECT node_id, COUNT(*) AS placed FROM calls WHERE ended_at IS NULL AND state <> 'ended' GROUP BY node_id) p
                  ON p.node_id = l.node_id
                ORDER BY l.node_id COLLATE BINARY
                """, null);
            var nodes = new List<ClusterNode>();
            using var r = cmd.ExecuteReader();
            while (r.Read())
                nodes.Add(new ClusterNode(r.GetString(0), TextOrNull(r, 1), TextOrNull(r, 2), TextOrNull(r, 3),
                    r.IsDBNull(4) ? null : SqliteCallMapping.At(r.GetInt64(4)), SqliteCallMapping.At(r.GetInt64(5)),
                    r.GetInt64(6) != 0, checked((int)r.GetInt64(7))));
            return nodes;
        }
    }

    private static object OrNull(string? value) => (object?)value ?? DBNull.Value;

    private static string? TextOrNull(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}

using CallService.Cluster;
using Npgsql;
using static CallService.Storage.Postgres.PostgresCallMapping;

namespace CallService.Storage.Postgres;

/// <summary>The node registry: the rows of <c>node_leases</c> with what each node registered.</summary>
internal sealed partial class PostgresCallStore
{
    /// <summary>One upsert: a restart of the same node id replaces its URLs and start time, stops its draining, and never moves its lease back.</summary>
    public void RegisterNode(ClusterNodeInfo node) =>
        Exec("""
            INSERT INTO node_leases AS l (node_id, renewed_at, internal_url, rtmp_base_url, flv_base_url, draining, started_at)
            VALUES($1, $2, $3, $4, $5, false, $2)
            ON CONFLICT(node_id) DO UPDATE SET renewed_at = GREATEST(l.renewed_at, EXCLUDED.renewed_at),
              internal_url = EXCLUDED.internal_url, rtmp_base_url = EXCLUDED.rtmp_base_url,
              flv_base_url = EXCLUDED.flv_base_url, draining = false, started_at = EXCLUDED.started_at
            """, Value(node.NodeId), Value(Ts(node.StartedAt)), NullableText(node.InternalUrl), NullableText(node.RtmpBaseUrl),
            NullableText(node.FlvBaseUrl));

    public void SetDraining(string nodeId, bool draining) =>
        Exec("UPDATE node_leases SET draining=$2 WHERE node_id=$1", Value(nodeId), Value(draining));

    public IReadOnlyList<ClusterNode> ClusterNodes()
    {
        using var cmd = _dataSource.CreateCommand("""
            SELECT l.node_id, l.internal_url, l.rtmp_base_url, l.flv_base_url, l.started_at, l.renewed_at, l.draining,
                   COALESCE(p.placed, 0)
            FROM node_leases l
            LEFT JOIN (SELECT node_id, COUNT(*) AS placed FROM calls WHERE state <> 'ended' GROUP BY node_id) p
              ON p.node_id = l.node_id
            ORDER BY l.node_id
            """);
        var nodes = new List<ClusterNode>();
        using var r = cmd.ExecuteReader();
        while (r.Read())
            nodes.Add(new ClusterNode(r.GetString(0), TextOrNull(r, 1), TextOrNull(r, 2), TextOrNull(r, 3), At(r, 4),
                At(r, 5)!.Value, r.GetBoolean(6), checked((int)r.GetInt64(7))));
        return nodes;
    }

    private static string? TextOrNull(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}

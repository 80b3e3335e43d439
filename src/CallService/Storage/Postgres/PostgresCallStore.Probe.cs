using Npgsql;
using static CallService.Storage.Postgres.PostgresCallMapping;

namespace CallService.Storage.Postgres;

/// <summary>The readiness probe's write.</summary>
internal sealed partial class PostgresCallStore
{
    /// <summary>
    /// This node's lease renewed at <paramref name="at"/> (never moved back), a write in a transaction of its own on the
    /// same connection pool as call writes, so the probe fails when call writes would (no connection, read-only or
    /// missing database).
    /// </summary>
    public void ProbeWrite(DateTimeOffset at) => _commits.Run((connection, tx) =>
    {
        using var cmd = new NpgsqlCommand("""
            INSERT INTO node_leases AS l (node_id, renewed_at) VALUES($1, $2)
            ON CONFLICT(node_id) DO UPDATE SET renewed_at = GREATEST(l.renewed_at, EXCLUDED.renewed_at)
            """, connection, tx);
        cmd.Parameters.Add(Value(NodeId));
        cmd.Parameters.Add(Value(Ts(at)));
        return cmd.ExecuteNonQuery();
    });
}

using CallService.Cluster;
using Npgsql;
using static CallService.Storage.Postgres.PostgresCallMapping;

namespace CallService.Storage.Postgres;

/// <summary>Where calls are placed: one call's placement, and the open calls of every node.</summary>
internal sealed partial class PostgresCallStore
{
    public CallPlacement? PlacementOf(string callId)
    {
        using var cmd = _dataSource.CreateCommand("SELECT node_id, state = 'ended' FROM calls WHERE call_id=$1");
        cmd.Parameters.Add(Value(callId));
        using var r = cmd.ExecuteReader();
        return r.Read() ? new CallPlacement(TextOrNull(r, 0), r.GetBoolean(1)) : null;
    }

    public IReadOnlyList<(CallService.Calls.CallSnapshot Call, string? NodeId)> OpenCalls()
    {
        using var connection = _dataSource.OpenConnection();
        var placed = new Dictionary<string, string?>(StringComparer.Ordinal);
        using (var nodes = new NpgsqlCommand("SELECT call_id, node_id FROM calls WHERE state <> 'ended'", connection))
        using (var r = nodes.ExecuteReader())
            while (r.Read()) placed[r.GetString(0)] = TextOrNull(r, 1);
        using var cmd = new NpgsqlCommand($"{SelectCalls} WHERE c.state <> 'ended' ORDER BY c.created_at, c.call_id", connection);
        return [.. ReadCalls(cmd).Select(c => (c, placed.GetValueOrDefault(c.CallId)))];
    }
}

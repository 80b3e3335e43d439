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

    public async ValueTask<CallPlacement?> PlacementOfAsync(string callId, CancellationToken cancellationToken)
    {
        await using var cmd = _dataSource.CreateCommand("SELECT node_id, state = 'ended' FROM calls WHERE call_id=$1");
        cmd.Parameters.Add(Value(callId));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await r.ReadAsync(cancellationToken).ConfigureAwait(false) ? new CallPlacement(TextOrNull(r, 0), r.GetBoolean(1)) : null;
    }

    /// <summary>
    /// The calls first, then the node of each call read (a call's <c>node_id</c> is written once, at its creation): two
    /// reads the other way round left a call created between them without its node, so it was listed with this node's
    /// relay URLs.
    /// </summary>
    public IReadOnlyList<(CallService.Calls.CallSnapshot Call, string? NodeId)> OpenCalls()
    {
        using var connection = _dataSource.OpenConnection();
        using var cmd = new NpgsqlCommand($"{SelectCalls} WHERE c.state <> 'ended' ORDER BY c.created_at, c.call_id", connection);
        var open = ReadCalls(cmd);
        if (open.Count == 0) return [];
        var placed = new Dictionary<string, string?>(StringComparer.Ordinal);
        using (var nodes = new NpgsqlCommand("SELECT call_id, node_id FROM calls WHERE call_id = ANY($1)", connection))
        {
            nodes.Parameters.Add(Value(open.Select(c => c.CallId).ToArray()));
            using var r = nodes.ExecuteReader();
            while (r.Read()) placed[r.GetString(0)] = TextOrNull(r, 1);
        }
        return [.. open.Select(c => (c, placed.GetValueOrDefault(c.CallId)))];
    }
}

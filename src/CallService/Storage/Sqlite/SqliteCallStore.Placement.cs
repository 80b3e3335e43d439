using CallService.Cluster;

namespace CallService.Storage.Sqlite;

/// <summary>Where calls are placed: one call's placement, and the open calls of every node.</summary>
internal sealed partial class SqliteCallStore
{
    public CallPlacement? PlacementOf(string callId)
    {
        lock (_gate)
        {
            using var cmd = Command("SELECT node_id, state FROM calls WHERE call_id=$id", null);
            cmd.Parameters.AddWithValue("$id", callId);
            using var r = cmd.ExecuteReader();
            return r.Read() ? new CallPlacement(TextOrNull(r, 0), r.GetString(1) == "ended") : null;
        }
    }

    /// <summary>Microsoft.Data.Sqlite's asynchronous methods run synchronously: the read is done by the time this returns.</summary>
    public ValueTask<CallPlacement?> PlacementOfAsync(string callId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(PlacementOf(callId));

    public IReadOnlyList<(CallService.Calls.CallSnapshot Call, string? NodeId)> OpenCalls()
    {
        lock (_gate)
        {
            var placed = new Dictionary<string, string?>(StringComparer.Ordinal);
            using (var nodes = Command("SELECT call_id, node_id FROM calls WHERE ended_at IS NULL AND state <> 'ended'", null))
            using (var r = nodes.ExecuteReader())
                while (r.Read()) placed[r.GetString(0)] = TextOrNull(r, 1);
            using var cmd = Command($"{SqliteCallMapping.SelectCalls} WHERE ended_at IS NULL AND state <> 'ended' ORDER BY created_at, call_id", null);
            return [.. _calls.ReadCalls(cmd).Select(c => (c, placed.GetValueOrDefault(c.CallId)))];
        }
    }
}

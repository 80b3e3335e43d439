using CallService.Calls;
using CallService.Webhooks;
using Npgsql;
using static CallService.Storage.Postgres.PostgresCallMapping;

namespace CallService.Storage.Postgres;

/// <summary>Takeover: the calls of a node whose lease ran out end <c>node_lost</c>, by exactly one other node.</summary>
internal sealed partial class PostgresCallStore
{
    public IReadOnlyList<LostNode> LostNodes(string byNodeId, DateTimeOffset aliveSince, int limit)
    {
        using var connection = _dataSource.OpenConnection();
        var nodes = new List<(string Id, DateTimeOffset? RenewedAt)>();
        using (var find = new NpgsqlCommand("""
            SELECT c.node_id, MAX(l.renewed_at) FROM calls c LEFT JOIN node_leases l ON l.node_id = c.node_id
            WHERE c.state <> 'ended' AND c.node_id <> $1 AND (l.renewed_at IS NULL OR l.renewed_at < $2)
              AND EXISTS (SELECT 1 FROM node_leases me WHERE me.node_id = $1 AND me.renewed_at >= $2)
            GROUP BY c.node_id ORDER BY c.node_id
            """, connection))
        {
            find.Parameters.Add(Value(byNodeId));
            find.Parameters.Add(Value(Ts(aliveSince)));
            using var r = find.ExecuteReader();
            while (r.Read()) nodes.Add((r.GetString(0), At(r, 1)));
        }
        var lost = new List<LostNode>(nodes.Count);
        foreach (var (id, renewedAt) in nodes)
        {
            using var read = new NpgsqlCommand(
                $"{SelectCalls} WHERE c.node_id = $1 AND c.state <> 'ended' ORDER BY c.created_at, c.call_id LIMIT $2", connection);
            read.Parameters.Add(Value(id));
            read.Parameters.Add(Value(limit));
            lost.Add(new LostNode(id, renewedAt, ReadCalls(read)));
        }
        return lost;
    }

    /// <summary>
    /// The lost node's lease row is locked first (<c>FOR UPDATE</c>): a second node taking over the same node waits for
    /// the first to commit, then its <c>UPDATE</c> (a new snapshot under READ COMMITTED) finds the calls ended. A lease
    /// renewed meanwhile (the node came back) or a taker whose own lease ran out stops the takeover.
    /// </summary>
    public IReadOnlyList<CallSnapshot> EndLostCalls(NodeTakeover takeover, Func<CallSnapshot, IReadOnlyList<OutboxMessage>>? webhooks = null)
    {
        if (takeover.LostNodeId == takeover.ByNodeId) throw new ArgumentException("A node never takes over its own calls.", nameof(takeover));
        if (takeover.Events.Count == 0) return [];
        return _commits.Run<IReadOnlyList<CallSnapshot>>((connection, tx, events) =>
        {
            var lostAt = Lease(takeover.LostNodeId, "FOR UPDATE");
            var byAt = Lease(takeover.ByNodeId, "");
            var aliveSince = Ts(takeover.AliveSince);
            if (lostAt >= aliveSince || !(byAt >= aliveSince)) return [];

            var ids = EndOpenCalls(connection, tx, takeover.LostNodeId, EndReason.NodeLost, takeover.Now, [.. takeover.Events.Keys]);
            if (ids.Count == 0) return [];

            // The endings' calls as this transaction wrote them, then their webhook rows; their events are written (and
            // numbered, and notified) at the end of this same transaction by the group commit.
            var ended = CallsById(connection, tx, ids);
            var rows = new List<OutboxMessage>();
            foreach (var call in ended)
            {
                events.AddRange(takeover.Events[call.CallId]);
                if (webhooks is not null) rows.AddRange(webhooks(call));
            }
            InsertWebhooks(connection, tx, rows);
            return ended;

            DateTimeOffset? Lease(string nodeId, string locking)
            {
                using var lease = new NpgsqlCommand($"SELECT renewed_at FROM node_leases WHERE node_id = $1 {locking}", connection, tx);
                lease.Parameters.Add(Value(nodeId));
                return lease.ExecuteScalar() is DateTime at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null;
            }
        });
    }
}

using CallService.Calls;
using CallService.Webhooks;

namespace CallService.Storage.Sqlite;

/// <summary>
/// Takeover on SQLite: the same contract as on PostgreSQL (one node per file in practice, but a file can hold the open
/// calls of a node id no longer used). Writers are serialised by the file's write lock (the group commit begins
/// <c>IMMEDIATE</c> transactions), and each call's state is re-checked by its <c>UPDATE</c>, so a call ends once.
/// </summary>
internal sealed partial class SqliteCallStore
{
    public IReadOnlyList<LostNode> LostNodes(string byNodeId, DateTimeOffset aliveSince, int limit)
    {
        lock (_gate)
        {
            var nodes = new List<(string Id, DateTimeOffset? RenewedAt)>();
            using (var find = Command("""
                SELECT c.node_id, MAX(l.renewed_at) FROM calls c LEFT JOIN node_leases l ON l.node_id = c.node_id
                WHERE c.ended_at IS NULL AND c.state <> 'ended' AND c.node_id IS NOT NULL AND c.node_id <> $by
                  AND (l.renewed_at IS NULL OR l.renewed_at < $since)
                  AND EXISTS (SELECT 1 FROM node_leases me WHERE me.node_id = $by AND me.renewed_at >= $since)
                GROUP BY c.node_id ORDER BY c.node_id
                """, null))
            {
                find.Parameters.AddWithValue("$by", byNodeId);
                find.Parameters.AddWithValue("$since", aliveSince.ToUnixTimeMilliseconds());
                using var r = find.ExecuteReader();
                while (r.Read()) nodes.Add((r.GetString(0), r.IsDBNull(1) ? null : SqliteCallMapping.At(r.GetInt64(1))));
            }
            var lost = new List<LostNode>(nodes.Count);
            foreach (var (id, renewedAt) in nodes)
            {
                using var read = Command(
                    $"{SqliteCallMapping.SelectCalls} WHERE node_id = $n AND ended_at IS NULL AND state <> 'ended' ORDER BY created_at, call_id LIMIT $limit", null);
                read.Parameters.AddWithValue("$n", id);
                read.Parameters.AddWithValue("$limit", limit);
                lost.Add(new LostNode(id, renewedAt, _calls.ReadCalls(read)));
            }
            return lost;
        }
    }

    public IReadOnlyList<CallSnapshot> EndLostCalls(NodeTakeover takeover, Func<CallSnapshot, IReadOnlyList<OutboxMessage>>? webhooks = null)
    {
        if (takeover.LostNodeId == takeover.ByNodeId) throw new ArgumentException("A node never takes over its own calls.", nameof(takeover));
        if (takeover.Events.Count == 0) return [];
        return _commits.Run<IReadOnlyList<CallSnapshot>>(tx =>
        {
            var lostAt = LeaseOf(takeover.LostNodeId, tx);
            var byAt = LeaseOf(takeover.ByNodeId, tx);
            if (lostAt >= takeover.AliveSince || !(byAt >= takeover.AliveSince)) return [];
            var ended = EndOpenCalls(tx, takeover.LostNodeId, EndReason.NodeLost, takeover.Now, takeover.Events.Keys);
            foreach (var call in ended)
            {
                _events.Insert(takeover.Events[call.CallId]);
                if (webhooks is not null) InsertWebhooks(webhooks(call), tx);
            }
            return ended;
        });
    }
}

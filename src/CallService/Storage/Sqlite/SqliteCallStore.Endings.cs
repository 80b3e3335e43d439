using CallService.Calls;
using Microsoft.Data.Sqlite;

namespace CallService.Storage.Sqlite;

/// <summary>
/// Ending a node's open calls by the service: <c>service_restart</c> at a restart (<see cref="EndUnfinished"/>) and
/// <c>node_lost</c> at a takeover (<see cref="EndLostCalls"/>) are the same statements with another reason and another
/// call filter.
/// </summary>
internal sealed partial class SqliteCallStore
{
    /// <summary>
    /// In <paramref name="tx"/> (which holds the file's write lock: the group commit begins <c>IMMEDIATE</c>
    /// transactions): the open calls of <paramref name="nodeId"/> end <paramref name="reason"/> by <c>system</c> at the
    /// last moment they were known alive, the latest of the call's own times (its last write included) and the node's
    /// last lease renewal, never after <paramref name="now"/> (the downtime is not call time); each gets its
    /// <c>ended</c> transition and frees its parties. <paramref name="callIds"/> given: only those calls, when still open
    /// on that node. Not given: every open call of the node and those written before calls recorded their node (no
    /// node id). Returns the calls as ended, in call id order when named, else oldest first.
    /// </summary>
    private List<CallSnapshot> EndOpenCalls(SqliteTransaction tx, string nodeId, EndReason reason, DateTimeOffset now,
        IEnumerable<string>? callIds = null)
    {
        var candidates = callIds?.Order(StringComparer.Ordinal).ToList() ?? OpenCallIds(tx, nodeId);
        var ended = new List<CallSnapshot>(candidates.Count);
        foreach (var id in candidates)
        {
            using (var end = Command("""
                UPDATE calls SET state='ended', end_reason=$reason, ended_by='system', code=NULL,
                  ended_at = MIN($now, MAX(created_at, COALESCE(accepted_at, 0), COALESCE(connected_at, 0), COALESCE(updated_at, 0),
                                           COALESCE((SELECT renewed_at FROM node_leases WHERE node_id = $node), 0)))
                WHERE call_id = $id AND state <> 'ended' AND (node_id = $node OR ($unplaced AND node_id IS NULL))
                """, tx))
            {
                end.Parameters.AddWithValue("$id", id);
                end.Parameters.AddWithValue("$node", nodeId);
                end.Parameters.AddWithValue("$unplaced", callIds is null);
                end.Parameters.AddWithValue("$reason", reason.ToWire());
                end.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                if (end.ExecuteNonQuery() != 1) continue; // ended meanwhile, or not on that node
            }
            using (var record = Command($"""
                UPDATE calls SET transitions = {SqliteTransitionsColumn.AppendOne("json_array('ended', ended_at, $reason || ' by system')")}
                WHERE call_id=$id;
                DELETE FROM busy_parties WHERE call_id=$id
                  AND user_id IN (SELECT caller FROM calls WHERE call_id=$id UNION ALL SELECT callee FROM calls WHERE call_id=$id);
                """, tx))
            {
                record.Parameters.AddWithValue("$id", id);
                record.Parameters.AddWithValue("$reason", reason.ToWire());
                record.ExecuteNonQuery();
            }
            using var read = Command($"{SqliteCallMapping.SelectCalls} WHERE call_id=$id", tx);
            read.Parameters.AddWithValue("$id", id);
            ended.Add(_calls.ReadCalls(read).Single());
        }
        return ended;
    }

    private List<string> OpenCallIds(SqliteTransaction tx, string nodeId)
    {
        using var select = Command(
            "SELECT call_id FROM calls WHERE ended_at IS NULL AND state <> 'ended' AND (node_id = $node OR node_id IS NULL) ORDER BY created_at, call_id", tx);
        select.Parameters.AddWithValue("$node", nodeId);
        var ids = new List<string>();
        using var reader = select.ExecuteReader();
        while (reader.Read()) ids.Add(reader.GetString(0));
        return ids;
    }
}

using CallService.Calls;
using Npgsql;
using static CallService.Storage.Postgres.PostgresCallMapping;

namespace CallService.Storage.Postgres;

/// <summary>
/// Ending a node's open calls by the service: <c>service_restart</c> at a restart (<see cref="EndUnfinished"/>) and
/// <c>node_lost</c> at a takeover (<see cref="EndLostCalls"/>) are the same statement with another reason and another
/// call filter.
/// </summary>
internal sealed partial class PostgresCallStore
{
    /// <summary>
    /// One statement: the open calls of <paramref name="nodeId"/> (only those named in <paramref name="callIds"/> when
    /// given) end <paramref name="reason"/> by <c>system</c> at the last moment they were known alive, the latest of the
    /// call's own times (its last write included) and the node's last lease renewal, never after
    /// <paramref name="now"/> (the downtime is not call time); each gets its <c>ended</c> transition and frees its
    /// parties. A row locked by a concurrent ending is re-checked after the lock (READ COMMITTED re-evaluates
    /// <c>state &lt;&gt; 'ended'</c>), so a call is never ended twice. Returns the ids this statement ended.
    /// </summary>
    /// <remarks>
    /// The lease is read inside the statement: a takeover holds the lost node's lease row locked (<c>FOR UPDATE</c>), so
    /// it reads the renewal its own check saw.
    /// </remarks>
    private static List<string> EndOpenCalls(NpgsqlConnection connection, NpgsqlTransaction tx, string nodeId, EndReason reason,
        DateTimeOffset now, string[]? callIds = null)
    {
        using var end = new NpgsqlCommand($"""
            WITH ended AS (
              UPDATE calls SET state='ended', end_reason=$2, ended_by='system', code=NULL,
                ended_at = LEAST($3, GREATEST(created_at, accepted_at, connected_at, updated_at,
                                              (SELECT renewed_at FROM node_leases WHERE node_id = $1)))
              WHERE node_id = $1 AND state <> 'ended'{(callIds is null ? "" : " AND call_id = ANY($4)")}
              RETURNING call_id, ended_at),
            transitions AS (
              INSERT INTO call_transitions(call_id, state, at, detail)
              SELECT call_id, 'ended', ended_at, $2 || ' by system' FROM ended ORDER BY call_id),
            freed AS (
              DELETE FROM busy_parties WHERE call_id IN (SELECT call_id FROM ended))
            SELECT call_id FROM ended
            """, connection, tx);
        end.Parameters.Add(Value(nodeId));
        end.Parameters.Add(Value(reason.ToWire()));
        end.Parameters.Add(Value(Ts(now)));
        if (callIds is not null) end.Parameters.Add(Value(callIds));
        var ids = new List<string>();
        using var r = end.ExecuteReader();
        while (r.Read()) ids.Add(r.GetString(0));
        return ids;
    }

    /// <summary>The calls <paramref name="ids"/> as stored (in <paramref name="tx"/> when given: as it wrote them), oldest first.</summary>
    private static List<CallSnapshot> CallsById(NpgsqlConnection connection, NpgsqlTransaction? tx, List<string> ids)
    {
        using var read = new NpgsqlCommand($"{SelectCalls} WHERE c.call_id = ANY($1) ORDER BY c.created_at, c.call_id", connection, tx);
        read.Parameters.Add(Value(ids.ToArray()));
        return ReadCalls(read);
    }
}

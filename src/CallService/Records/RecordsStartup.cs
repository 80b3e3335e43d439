using CallContracts.Realtime;
using CallService.Calls;
using CallService.Calls.Live;
using CallService.Cluster;
using CallService.Common;
using CallService.Realtime;
using CallService.Storage;
using CallService.Webhooks;

namespace CallService.Records;

/// <summary>
/// Opens the store before the server takes requests and ends the calls this node left unfinished
/// (<c>service_restart</c>, at the last moment the node was known alive): their media and timers are gone, so they
/// cannot continue. Both parties get <c>call.ended</c>: written to the event log (so <c>resume</c> replays it) and
/// handed to each party's next socket. The backend's <c>call.ended</c> webhooks are written with the endings.
/// With a store one process alone uses (<see cref="ICallStore.SingleProcess"/>: SQLite), the calls of every other node
/// id in it are this process's own from an earlier run under another id (another port, or the former default
/// <c>local</c>): they end too. With a shared store they are other nodes' (ended by takeover when those are lost).
/// </summary>
internal sealed class RecordsStartup(
    ICallStore store, NodeIdentity node, RealtimeHub hub, TimeProvider time, ILogger<RecordsStartup> logger,
    CallWebhooks? webhooks = null, CallMetrics? metrics = null)
{
    public void Run()
    {
        store.Initialize();
        var now = time.GetUtcNow();
        var ended = store.EndUnfinished(node.Id, now, webhooks is null ? null : webhooks.Ended).ToList();
        if (store.SingleProcess)
            foreach (var earlier in store.ClusterNodes().Where(n => n.NodeId != node.Id && n.CallsPlaced > 0))
                ended.AddRange(store.EndUnfinished(earlier.NodeId, now, webhooks is null ? null : webhooks.Ended));
        if (ended.Count == 0) return;
        metrics?.EndedAtStart(ended.Count);
        logger.LogWarning("Ended {Count} call(s) left unfinished by the previous run (service_restart): {CallIds}",
            ended.Count, LogIds.Of([.. ended.Select(c => c.CallId)]));
        var events = new List<StoredEvent>();
        foreach (var call in ended)
        {
            var data = new EndedData(call.EndReason!.Value.ToWire(), call.EndedBy!.Value.ToWire(), call.Code);
            foreach (var user in (string[])[call.CallerUserId, call.CalleeUserId])
                events.Add(hub.Prepare(user, RealtimeEventTypes.Ended, call.CallId, data));
        }
        hub.Hold(store.AppendEvents(events)); // as written: numbered by a store that numbers at commit
    }
}

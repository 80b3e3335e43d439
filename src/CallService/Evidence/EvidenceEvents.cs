using CallContracts.Evidence;
using CallService.Realtime;
using CallService.Storage;

namespace CallService.Evidence;

/// <summary>
/// <c>call.recording</c> to both parties: written to the realtime event log first (so <c>resume</c> replays it), then
/// delivered to their sockets, like every call event.
/// </summary>
internal sealed class EvidenceEvents(RealtimeHub hub, ICallStore store, ILogger<EvidenceEvents> logger)
{
    public void Recording(string callId, string userA, string userB, string state, string reason)
    {
        var data = new RecordingEventData(state, reason);
        List<StoredEvent> events =
        [
            hub.Prepare(userA, RecordingEventData.Type, callId, data),
            hub.Prepare(userB, RecordingEventData.Type, callId, data),
        ];
        try
        {
            store.AppendEvents(events);
        }
        catch (Exception e)
        {
            // The parties still get it now; only a later resume could miss it.
            logger.LogError(e, "Call {CallId}: writing call.recording events failed", callId);
        }
        hub.Deliver(events);
    }
}

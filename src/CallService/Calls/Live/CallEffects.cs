using CallContracts.Realtime;
using CallContracts.Streams;
using CallMedia.Control;
using CallService.Realtime;
using CallService.Webhooks;

namespace CallService.Calls.Live;

/// <summary>
/// What a saved change does outside the call: realtime events to the parties' sockets and relay kicks. Runs after
/// the save (a party never sees an event that <c>resume</c> could not replay), under the call's gate so a call's
/// effects keep their order.
/// </summary>
/// <param name="hub">Realtime delivery.</param>
/// <param name="logger">Log.</param>
/// <param name="relay">The embedded relay; absent when the host runs without it.</param>
/// <param name="webhooks">Wakes the webhook dispatcher when the change wrote outbox rows; absent without webhooks.</param>
/// <param name="recording">Evidence: starts and stops the recording of a recorded call as it is accepted and ends.</param>
internal sealed class CallEffects(RealtimeHub hub, ILogger<CallEffects> logger, IRelayControl? relay = null,
    WebhookSignal? webhooks = null, Evidence.Recording.CallRecording? recording = null)
{
    private readonly IRelayControl? _relay = relay;

    public void Run(CallChange change)
    {
        if (change.Events.Count > 0) hub.Deliver(change.Events);
        if (recording is not null) FollowRecording(change);
        if (change.Disconnect) DisconnectStreams(change.Call.Id);
        if (change.Webhooks.Count > 0) webhooks?.Wake();
    }

    /// <summary>Before the relay kick, so the legs' files are closed by the recorder itself rather than by the disconnect.</summary>
    private void FollowRecording(CallChange change)
    {
        try
        {
            recording!.AfterSave(change.Call, change.Now);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Call {CallId}: recording step failed", change.Call.Id);
        }
    }

    /// <summary>
    /// Hang-up revokes the URLs: the relay drops the call's publishers and viewers now. Sent, not awaited: in-process the
    /// disconnect is done when the call returns; a relay process answers later and nothing here waits for it.
    /// </summary>
    private void DisconnectStreams(string callId)
    {
        if (_relay is null) return;
        foreach (var role in (PartyRole[])[PartyRole.A, PartyRole.B])
        {
            try
            {
                var closing = _relay.DisconnectStreamAsync(StreamNames.For(callId, role), "call_ended");
                if (closing.IsCompletedSuccessfully) Disconnected(callId, role, closing.Result);
                else _ = DisconnectedAsync(callId, role, closing);
            }
            catch (Exception e)
            {
                logger.LogError(e, "Call {CallId}: relay disconnect of stream {Party} failed", callId, role.ToWire());
            }
        }
    }

    private async Task DisconnectedAsync(string callId, PartyRole role, ValueTask<int> closing)
    {
        try
        {
            Disconnected(callId, role, await closing.ConfigureAwait(false));
        }
        catch (Exception e)
        {
            logger.LogError(e, "Call {CallId}: relay disconnect of stream {Party} failed", callId, role.ToWire());
        }
    }

    private void Disconnected(string callId, PartyRole role, int closed)
    {
        if (closed > 0) logger.LogInformation("Call {CallId}: closed {Count} connection(s) of stream {Party}", callId, closed, role.ToWire());
    }
}

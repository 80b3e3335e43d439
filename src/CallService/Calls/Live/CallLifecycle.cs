using CallContracts.Realtime;
using CallContracts.Streams;
using CallService.Webhooks;

namespace CallService.Calls.Live;

/// <summary>
/// What entering a state means (DESIGN §3.1): who is told what, which timers run. Called by
/// <see cref="CallTransaction"/> after a use case moved the call; runs under the call's gate.
/// </summary>
internal sealed class CallLifecycle(CallViews views, ILogger<CallLifecycle> logger, CallWebhooks? webhooks = null, CallMetrics? metrics = null)
{
    /// <summary>A new call: ringing tells the callee; direct and busy calls are entries into accepted / ended.</summary>
    public void Created(CallChange change)
    {
        var call = change.Call;
        webhooks?.Add(change, WebhookEventTypes.CallCreated);
        if (call.State != CallState.Ringing)
        {
            Entered(change, CallState.Ringing);
            return;
        }
        change.Publish(call.B.UserId, RealtimeEventTypes.Incoming,
            new IncomingCallData(call.Id, call.A.UserId, call.Scenario, (int)call.Timers.RingTimeout.TotalSeconds));
        change.Start(change.Entry.Ring, call.Timers.RingTimeout, (c, now) => c.RingTimedOut(now));
    }

    /// <summary>Effects of entering the call's current state from <paramref name="before"/>.</summary>
    public void Entered(CallChange change, CallState before)
    {
        var call = change.Call;
        var entry = change.Entry;
        metrics?.Entered(call, before, change.Now);
        switch (call.State)
        {
            case CallState.Accepted:
                entry.Ring.Cancel();
                webhooks?.Add(change, WebhookEventTypes.CallAccepted);
                foreach (var role in (PartyRole[])[PartyRole.A, PartyRole.B])
                    change.Publish(call.Party(role).UserId, RealtimeEventTypes.Accepted, views.Assignment(call, role));
                change.Start(entry.MediaJoin, call.Timers.MediaJoinTimeout, (c, now) => c.MediaJoinTimedOut(now));
                change.Start(entry.MaxDuration, call.Timers.MaxDuration, (c, now) => c.MaxDurationReached(now));
                break;
            case CallState.Connected:
                entry.MediaJoin.Cancel();
                CoordinatorLog.Connected(logger, call.Id);
                webhooks?.Add(change, WebhookEventTypes.CallConnected);
                foreach (var party in (CallParty[])[call.A, call.B])
                    change.Publish(party.UserId, RealtimeEventTypes.Connected, new { connectedAt = call.ConnectedAt });
                break;
            case CallState.Ended:
                Ended(change, before);
                break;
        }
    }

    private void Ended(CallChange change, CallState before)
    {
        var call = change.Call;
        change.Entry.CancelCallTimers();
        change.KeepUrlsAtEnd(call.A.SignedUrls, call.B.SignedUrls); // this change's answer shows them as they were
        call.A.SignedUrls = call.B.SignedUrls = null; // signed again on a later read of the ended call (CallViews)
        CoordinatorLog.Ended(logger, call.Id, call.EndReason?.ToWire(), call.EndedBy?.ToWire(), call.Code, before.ToWire());
        if (call.A.UrlsIssued || call.B.UrlsIssued) change.DisconnectStreams();
        webhooks?.Add(change, WebhookEventTypes.CallEnded);
        var data = new EndedData(call.EndReason!.Value.ToWire(), call.EndedBy!.Value.ToWire(), call.Code);
        change.Publish(call.A.UserId, RealtimeEventTypes.Ended, data);
        if (call.EndReason != EndReason.Busy) // the busy callee was never involved
            change.Publish(call.B.UserId, RealtimeEventTypes.Ended, data);
    }
}

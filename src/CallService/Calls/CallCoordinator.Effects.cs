using CallContracts.Realtime;
using CallContracts.Streams;
using CallMedia.Control;

namespace CallService.Calls;

internal sealed partial class CallCoordinator
{
    private void OnCreated(CallEntry entry)
    {
        var call = entry.Call;
        switch (call.State)
        {
            case CallState.Ringing:
                hub.Publish(call.B.UserId, RealtimeEventTypes.Incoming, call.Id,
                    new IncomingCallData(call.Id, call.A.UserId, call.Scenario, (int)call.Timers.RingTimeout.TotalSeconds));
                entry.Ring = Start(entry, call.Timers.RingTimeout, "ring timeout", (c, now) => c.RingTimedOut(now));
                break;
            case CallState.Accepted:
                AfterTransition(entry, CallState.Ringing);
                break;
            default:
                AfterTransition(entry, CallState.Ringing); // busy: ended at once
                break;
        }
    }

    /// <summary>Effects of entering the call's current state. Runs under the entry lock.</summary>
    private void AfterTransition(CallEntry entry, CallState before)
    {
        var call = entry.Call;
        switch (call.State)
        {
            case CallState.Accepted:
                entry.Ring?.Dispose(); entry.Ring = null;
                foreach (var role in (PartyRole[])[PartyRole.A, PartyRole.B])
                    hub.Publish(call.Party(role).UserId, RealtimeEventTypes.Accepted, call.Id, views.Assignment(call, role));
                entry.MediaJoin = Start(entry, call.Timers.MediaJoinTimeout, "media-join timeout", (c, now) => c.MediaJoinTimedOut(now));
                entry.MaxDuration = Start(entry, call.Timers.MaxDuration, "maximum duration", (c, now) => c.MaxDurationReached(now));
                break;
            case CallState.Connected:
                entry.MediaJoin?.Dispose(); entry.MediaJoin = null;
                CoordinatorLog.Connected(logger, call.Id);
                foreach (var party in (CallParty[])[call.A, call.B])
                    hub.Publish(party.UserId, RealtimeEventTypes.Connected, call.Id, new { connectedAt = call.ConnectedAt });
                break;
            case CallState.Ended:
                OnEnded(entry, before);
                break;
        }
    }

    private void OnEnded(CallEntry entry, CallState before)
    {
        var call = entry.Call;
        entry.DisposeTimers();
        lock (_gate) ReleaseUsers(call);
        CoordinatorLog.Ended(logger, call.Id, call.EndReason?.ToWire(), call.EndedBy?.ToWire(), call.Code, before.ToWire());

        if (call.A.UrlsIssued || call.B.UrlsIssued) DisconnectStreams(call);

        var data = new EndedData(call.EndReason!.Value.ToWire(), call.EndedBy!.Value.ToWire(), call.Code);
        hub.Publish(call.A.UserId, RealtimeEventTypes.Ended, call.Id, data);
        if (call.EndReason != EndReason.Busy) // the busy callee was never involved
            hub.Publish(call.B.UserId, RealtimeEventTypes.Ended, call.Id, data);

        entry.Evict = time.CreateTimer(_ => Evict(entry), null, TimeSpan.FromSeconds(Math.Max(1, _options.RetainEndedSeconds)), Timeout.InfiniteTimeSpan);
    }

    /// <summary>Hang-up revokes the URLs: the relay drops the call's publishers and viewers now.</summary>
    private void DisconnectStreams(Call call)
    {
        if (services.GetService<IRelayControl>() is not { } relay) return;
        foreach (var role in (PartyRole[])[PartyRole.A, PartyRole.B])
        {
            try
            {
                var closed = relay.DisconnectStream(StreamNames.For(call.Id, role), "call_ended");
                if (closed > 0) logger.LogInformation("Call {CallId}: closed {Count} connection(s) of stream {Party}", call.Id, closed, role.ToWire());
            }
            catch (Exception e)
            {
                logger.LogError(e, "Call {CallId}: relay disconnect of stream {Party} failed", call.Id, role.ToWire());
            }
        }
    }

    private void Evict(CallEntry entry)
    {
        lock (entry)
        {
            if (!TrySave(entry))
            {
                // Keep it until its record is written: nothing is silently dropped.
                entry.Evict = time.CreateTimer(_ => Evict(entry), null, TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);
                return;
            }
            entry.Evict?.Dispose();
            lock (_gate)
                if (_calls.TryGetValue(entry.Call.Id, out var current) && current == entry)
                    _calls.Remove(entry.Call.Id);
        }
    }

    /// <summary>A one-shot timer that applies <paramref name="fire"/> to the call under its lock.</summary>
    private ITimer Start(CallEntry entry, TimeSpan due, string what, Action<Call, DateTimeOffset> fire, Func<bool>? stillWanted = null) =>
        time.CreateTimer(_ => Fire(entry, what, fire, stillWanted), null, due, Timeout.InfiniteTimeSpan);

    private void Fire(CallEntry entry, string what, Action<Call, DateTimeOffset> fire, Func<bool>? stillWanted)
    {
        try
        {
            lock (entry)
            {
                if (entry.Call.IsEnded || (stillWanted is not null && !stillWanted())) return;
                var before = entry.Call.State;
                fire(entry.Call, Now());
                if (entry.Call.State != before)
                    logger.LogInformation("Call {CallId}: {Timer} fired", entry.Call.Id, what);
                Commit(entry, before);
            }
        }
        catch (Exception e)
        {
            logger.LogError(e, "Call {CallId}: {Timer} failed", entry.Call.Id, what);
        }
    }

    private void StartPublisherLost(CallEntry entry, PartyRole role)
    {
        var i = CallEntry.Index(role);
        entry.Lost[i]?.Dispose();
        var generation = ++entry.LostGeneration[i];
        logger.LogInformation("Call {CallId}: publisher {Party} lost, grace {Grace}s", entry.Call.Id, role.ToWire(), entry.Call.Timers.PublisherLostGrace.TotalSeconds);
        entry.Lost[i] = Start(entry, entry.Call.Timers.PublisherLostGrace, $"publisher-lost grace ({role.ToWire()})",
            (c, now) => c.PublisherLostExpired(role, now), () => entry.LostGeneration[i] == generation);
    }

    private static void CancelPublisherLost(CallEntry entry, PartyRole role)
    {
        var i = CallEntry.Index(role);
        entry.Lost[i]?.Dispose();
        entry.Lost[i] = null;
        entry.LostGeneration[i]++;
    }

    private void StartRecovery(CallEntry entry, PartyRole role, int code)
    {
        var i = CallEntry.Index(role);
        if (entry.Recovery[i] is not null) return; // one window per party; the first code decides
        var generation = ++entry.RecoveryGeneration[i];
        entry.Recovery[i] = Start(entry, rules.RecoveryWindow, $"recovery window ({role.ToWire()} {code})",
            (c, now) => c.TerminalCode(role, code, now), () => entry.RecoveryGeneration[i] == generation);
    }

    private static void CancelRecovery(CallEntry entry, PartyRole role)
    {
        var i = CallEntry.Index(role);
        entry.Recovery[i]?.Dispose();
        entry.Recovery[i] = null;
        entry.RecoveryGeneration[i]++;
    }
}

using CallContracts.Calls;
using CallContracts.Realtime;
using CallContracts.StatusCodes;
using CallContracts.Streams;
using CallMedia.Events;
using CallService.Auth;
using CallService.Common;
using CallService.Rules;

namespace CallService.Calls;

/// <summary>One reported status code, validated.</summary>
internal sealed record StatusItem(StatusComponent Component, int Code);

internal sealed partial class CallCoordinator
{
    /// <summary>Applies a party's status reports in order (DESIGN §3.3 hang-up rules).</summary>
    public StatusReportResponse Report(string callId, Actor actor, IReadOnlyList<StatusItem> items)
    {
        var entry = Find(callId);
        lock (entry)
        {
            var role = RoleOf(entry.Call, actor)
                       ?? throw new ForbiddenException("party_token_required", "Status reports need the user token of a party of the call.");
            var call = entry.Call;
            var before = call.State;
            var now = Now();
            foreach (var item in items)
            {
                if (call.IsEnded) break;
                switch (rules.Decide(item.Component, item.Code))
                {
                    case RuleOutcome.Hangup:
                        CoordinatorLog.TerminalReported(logger, call.Id, role.ToWire(), StatusCodeCatalogue.ToWire(item.Component), item.Code);
                        call.TerminalCode(role, item.Code, now);
                        break;
                    case RuleOutcome.HangupAfterRecoveryWindow:
                        StartRecovery(entry, role, item.Code);
                        break;
                    case RuleOutcome.PushBegin:
                        CancelRecovery(entry, role);
                        call.PushBegin(role, now);
                        break;
                    case RuleOutcome.PlayBegin:
                        CancelRecovery(entry, role);
                        call.PlayBegin(role, now);
                        break;
                    case RuleOutcome.Warning:
                        call.CountWarning(role, item.Code);
                        TellPeer(entry, role, item, now);
                        break;
                    case RuleOutcome.Counted:
                        call.CountWarning(role, item.Code);
                        break;
                }
            }
            if (!Commit(entry, before))
                throw new StorageUnavailableException("The report was applied but its record could not be written; it is retried on the next change.");
            return new StatusReportResponse(call.IsEnded ? "hangup" : "none", views.Response(call, actor));
        }
    }

    /// <summary><c>call.peer_warning</c> to the other party, at most once per code per debounce period.</summary>
    private void TellPeer(CallEntry entry, PartyRole role, StatusItem item, DateTimeOffset now)
    {
        var key = (role, item.Code);
        if (entry.LastPeerWarning.TryGetValue(key, out var last) && now - last < rules.PeerWarningDebounce) return;
        entry.LastPeerWarning[key] = now;
        var peer = entry.Call.Party(StreamNames.Peer(role));
        hub.Publish(peer.UserId, RealtimeEventTypes.PeerWarning, entry.Call.Id,
            new PeerWarningData(item.Code, StatusCodeCatalogue.ToWire(item.Component)));
    }

    /// <summary>The relay's view of the call's streams (publish/play start/stop), in order per call.</summary>
    public void OnMediaEvent(MediaEvent mediaEvent)
    {
        if (!StreamNames.TryParse(mediaEvent.StreamName, out var callId, out var role)) return;
        CallEntry? entry;
        lock (_gate) _calls.TryGetValue(callId, out entry);
        if (entry is null) return;
        lock (entry)
        {
            var call = entry.Call;
            if (call.IsEnded) return;
            var before = call.State;
            var now = Now();
            switch (mediaEvent)
            {
                case PublishStarted started:
                    CancelPublisherLost(entry, role);
                    call.PublishStarted(role, started.SessionId, now);
                    break;
                case PublishStopped stopped:
                    if (call.PublishStopped(role, stopped.SessionId)) StartPublisherLost(entry, role);
                    break;
                case PlayStarted play:
                    call.PlayStarted(role, play.ViewerId, now);
                    break;
                case PlayStopped play:
                    call.PlayStopped(role, play.ViewerId);
                    break;
                default:
                    OnStreamHealth(entry, role, mediaEvent, now); // stalls and statistics: CallCoordinator.Media.cs
                    break;
            }
            Commit(entry, before);
        }
    }
}

using CallContracts.Streams;
using CallService.Common;

namespace CallService.Calls;

/// <summary>
/// The call state machine (DESIGN §3.1): <c>ringing → accepted → connected → ended</c>; direct calls start
/// at <c>accepted</c>. Every mutation of call state goes through this type. Illegal transitions throw
/// <see cref="CallRuleException"/> (409); repeating an action that already took effect is a no-op,
/// because mobile clients retry. Every change, quality counters included, bumps <see cref="Version"/> (what is
/// saved). Pure: time comes in as arguments; side effects are <see cref="Live.CallTransaction"/>'s.
/// </summary>
internal sealed class Call
{
    private List<CallTransition>? _transitions = []; // null once frozen: they are in the record

    private Call(string id, string scenario, bool ring, CallTimerSettings timers, CallParty a, CallParty b, DateTimeOffset createdAt)
    {
        Id = id; Scenario = scenario; Ring = ring; Timers = timers; A = a; B = b; CreatedAt = createdAt;
        // URLs never outlive the longest the call may last (ringing + maximum duration).
        UrlsExpireAt = createdAt + (ring ? timers.RingTimeout : TimeSpan.Zero) + timers.MaxDuration;
    }

    public string Id { get; }
    public string Scenario { get; }
    public bool Ring { get; }
    public CallTimerSettings Timers { get; }
    public CallParty A { get; }
    public CallParty B { get; }
    public DateTimeOffset CreatedAt { get; }
    public DateTimeOffset UrlsExpireAt { get; }

    /// <summary>Both parties' WHIP/WHEP URLs once built (<see cref="WebRtc.WebRtcUrls"/>); let go at <see cref="Freeze"/>.</summary>
    public CallContracts.Calls.PartyWebRtc? WebRtcUrls { get; private set; }

    /// <summary>Keeps both parties' WHIP/WHEP URLs (built by <see cref="WebRtc.WebRtcUrls"/>) until <see cref="Freeze"/>.</summary>
    internal void RememberWebRtcUrls(CallContracts.Calls.PartyWebRtc urls) => WebRtcUrls = urls;
    public CallState State { get; private set; }
    public DateTimeOffset? AcceptedAt { get; private set; }
    public DateTimeOffset? ConnectedAt { get; private set; }
    public DateTimeOffset? EndedAt { get; private set; }
    public EndReason? EndReason { get; private set; }
    public Ender? EndedBy { get; private set; }
    public int? Code { get; private set; }

    /// <summary>Bumped by every change that must be persisted (state, quality).</summary>
    public int Version { get; private set; }

    /// <summary>Every state change, oldest first; <see cref="InvalidOperationException"/> once frozen (read the record).</summary>
    public IReadOnlyList<CallTransition> Transitions => Recorded;
    public bool IsEnded => State == CallState.Ended;

    /// <summary>Ended and written, without what only its record needs (<see cref="Freeze"/>).</summary>
    public bool Frozen => _transitions is null;

    private List<CallTransition> Recorded =>
        _transitions ?? throw new InvalidOperationException($"Call {Id} is frozen: its transitions are in its record.");

    public CallParty Party(PartyRole role) => role == PartyRole.A ? A : B;
    public CallParty? PartyOf(string userId) => userId == A.UserId ? A : userId == B.UserId ? B : null;

    public static Call Create(string id, string caller, string callee, string scenario, bool ring,
        CallTimerSettings timers, DateTimeOffset now)
    {
        var call = new Call(id, scenario, ring, timers, new CallParty(PartyRole.A, caller), new CallParty(PartyRole.B, callee), now);
        call.A.UrlsIssued = true; // the caller may publish at once (its page starts while ringing)
        if (ring)
        {
            call.Enter(CallState.Ringing, now, "created ringing");
        }
        else
        {
            call.B.UrlsIssued = true;
            call.AcceptedAt = now;
            call.Enter(CallState.Accepted, now, "created direct");
        }
        return call;
    }

    /// <summary>Rebuilds an ended call from its record (read-only use: actions on it are no-ops or refusals).</summary>
    public static Call Restore(CallSnapshot s)
    {
        var call = new Call(s.CallId, s.Scenario, s.Ring, s.Timers,
            new CallParty(PartyRole.A, s.CallerUserId) { UrlsIssued = s.AIssued },
            new CallParty(PartyRole.B, s.CalleeUserId) { UrlsIssued = s.BIssued }, s.CreatedAt)
        {
            State = s.State, AcceptedAt = s.AcceptedAt, ConnectedAt = s.ConnectedAt, EndedAt = s.EndedAt,
            EndReason = s.EndReason, EndedBy = s.EndedBy, Code = s.Code,
        };
        foreach (var (code, n) in s.WarningsA) call.A.SetWarning(code, n);
        foreach (var (code, n) in s.WarningsB) call.B.SetWarning(code, n);
        if (s.MediaA is { } mediaA) call.A.Media.Restore(mediaA);
        if (s.MediaB is { } mediaB) call.B.Media.Restore(mediaB);
        call.Recorded.AddRange(s.Transitions);
        return call;
    }

    /// <summary>
    /// The call ended and its record is written: it lets go of what only the record or a live call needs (its
    /// transitions, the relay's viewers of its streams and their drop counters). Every view, refusal and access answer
    /// stays as it was; it is never written again (<see cref="Transitions"/> throws, so a snapshot of it cannot be made).
    /// </summary>
    public void Freeze()
    {
        if (!IsEnded) throw new InvalidOperationException($"Call {Id} has not ended: only an ended call is frozen.");
        _transitions = null;
        WebRtcUrls = null;
        A.Freeze();
        B.Freeze();
    }

    /// <summary>A party was already in a call when this one was created: it ends at once and issues no URLs.</summary>
    public void EndBusy(DateTimeOffset now)
    {
        if (Recorded.Count != 1 || IsEnded) throw new InvalidOperationException("Only a new call can end busy.");
        A.UrlsIssued = B.UrlsIssued = false;
        End(Calls.EndReason.Busy, Ender.System, null, now);
    }

    public void Accept(PartyRole by, DateTimeOffset now)
    {
        RequireRole(by, PartyRole.B, "only_callee_may_accept");
        switch (State)
        {
            case CallState.Ringing:
                B.UrlsIssued = true;
                AcceptedAt = now;
                Enter(CallState.Accepted, now, "accept by b");
                break;
            case CallState.Accepted or CallState.Connected:
                return; // repeated accept
            default:
                throw Ended("accept");
        }
    }

    public void Reject(PartyRole by, DateTimeOffset now)
    {
        RequireRole(by, PartyRole.B, "only_callee_may_reject");
        if (State == CallState.Ringing) End(Calls.EndReason.Rejected, Ender.B, null, now);
        else if (EndReason == Calls.EndReason.Rejected) return;
        else if (IsEnded) throw Ended("reject");
        else throw new CallRuleException("call_already_accepted", "The call was already accepted; hang up instead.");
    }

    public void Cancel(PartyRole by, DateTimeOffset now)
    {
        RequireRole(by, PartyRole.A, "only_caller_may_cancel");
        if (State == CallState.Ringing) End(Calls.EndReason.Cancelled, Ender.A, null, now);
        else if (EndReason == Calls.EndReason.Cancelled) return;
        else if (IsEnded) throw Ended("cancel");
        else throw new CallRuleException("call_already_accepted", "The call was already accepted; hang up instead.");
    }

    /// <summary>Hang up in any live state; hanging up an ended call is harmless.</summary>
    public void Hangup(Ender by, DateTimeOffset now)
    {
        if (!IsEnded) End(Calls.EndReason.Hangup, by, null, now);
    }

    /// <summary>The one way into <c>ended</c>.</summary>
    public void End(EndReason reason, Ender by, int? code, DateTimeOffset now)
    {
        if (IsEnded) throw Ended(reason.ToWire());
        EndReason = reason; EndedBy = by; Code = code; EndedAt = now;
        var detail = code is null ? $"{reason.ToWire()} by {by.ToWire()}" : $"{reason.ToWire()} by {by.ToWire()} code {code}";
        Enter(CallState.Ended, now, detail);
    }

    public void RingTimedOut(DateTimeOffset now)
    {
        if (State == CallState.Ringing) End(Calls.EndReason.NoAnswer, Ender.System, null, now);
    }

    /// <summary>Media-join timeout: a party that has never published ends the call (caller checked first).</summary>
    public void MediaJoinTimedOut(DateTimeOffset now)
    {
        if (State != CallState.Accepted) return;
        var silent = !A.EverPublished ? A : !B.EverPublished ? B : null;
        if (silent is not null) End(Calls.EndReason.MediaTimeout, silent.Role.ToEnder(), null, now);
    }

    public void PublisherLostExpired(PartyRole role, DateTimeOffset now)
    {
        if (!IsEnded && (!Party(role).Publishing || Party(role).Stalled)) End(Calls.EndReason.MediaLost, role.ToEnder(), null, now);
    }

    public void MaxDurationReached(DateTimeOffset now)
    {
        if (!IsEnded) End(Calls.EndReason.MaxDuration, Ender.System, null, now);
    }

    public void TerminalCode(PartyRole by, int code, DateTimeOffset now)
    {
        if (!IsEnded) End(Calls.EndReason.ClientTerminalCode, by.ToEnder(), code, now);
    }

    // ---- the relay's view -------------------------------------------------------------------

    public void PublishStarted(PartyRole role, long session, DateTimeOffset now)
    {
        var party = Party(role);
        party.Publishing = true; party.EverPublished = true; party.PublisherSession = session; party.Stalled = false;
        TryConnect(now, "media");
    }

    /// <summary>Returns true when the party's current publisher went away (start the lost grace).</summary>
    public bool PublishStopped(PartyRole role, long session)
    {
        var party = Party(role);
        if (party.PublisherSession != session || !party.Publishing) return false; // an old, replaced session
        party.Publishing = false;
        var graceRunning = party.Stalled; // a stall already started the grace: a later close must not extend it
        party.Stalled = false;
        return !IsEnded && !graceRunning;
    }

    /// <summary>
    /// The current publisher is connected but silent (DESIGN §3.1 "no media"): true when this starts the
    /// publisher-lost grace. A stall of an old, replaced session, or a repeated one, changes nothing.
    /// </summary>
    public bool PublishStalled(PartyRole role, long session)
    {
        var party = Party(role);
        if (IsEnded || party.PublisherSession != session || !party.Publishing || party.Stalled) return false;
        party.Stalled = true;
        party.Media.CountStall();
        Version++;
        return true;
    }

    /// <summary>The stalled publisher sends media again: true when this cancels its lost grace (silently).</summary>
    public bool PublishResumed(PartyRole role, long session)
    {
        var party = Party(role);
        if (party.PublisherSession != session || !party.Stalled) return false;
        party.Stalled = false;
        return true;
    }

    public void PlayStarted(PartyRole streamOf, long viewerId, DateTimeOffset now)
    {
        Party(streamOf).AddViewer(viewerId);
        TryConnect(now, "media");
    }

    public void PlayStopped(PartyRole streamOf, long viewerId) => Party(streamOf).RemoveViewer(viewerId);

    // ---- client reports ------------------------------------------------------------------------

    public void PushBegin(PartyRole role, DateTimeOffset now)
    {
        Party(role).PushBeginReported = true;
        TryConnect(now, "client");
    }

    public void PlayBegin(PartyRole role, DateTimeOffset now)
    {
        Party(role).PlayBeginReported = true;
        TryConnect(now, "client");
    }

    /// <summary>A relay statistics report of the party's stream (call quality <c>media</c>).</summary>
    public void ObserveMedia(PartyRole role, MediaQuality.MediaSample sample)
    {
        Party(role).Media.Observe(sample);
        Version++;
    }

    /// <summary>The party was warned <c>profile_exceeded</c> (counted in its call quality).</summary>
    public void CountProfileExceeded(PartyRole role)
    {
        Party(role).Media.CountProfileExceeded();
        Version++;
    }

    public void CountWarning(PartyRole role, int code)
    {
        var party = Party(role);
        party.SetWarning(code, party.Warnings.GetValueOrDefault(code) + 1);
        Version++;
    }

    private void TryConnect(DateTimeOffset now, string how)
    {
        if (State != CallState.Accepted) return;
        var relaySaysLive = A.Publishing && B.Publishing && A.ViewerCount > 0 && B.ViewerCount > 0;
        var clientsSayLive = A.PushBeginReported && B.PushBeginReported && A.PlayBeginReported && B.PlayBeginReported;
        if (!relaySaysLive && !clientsSayLive) return;
        ConnectedAt = now;
        Enter(CallState.Connected, now, $"connected ({(relaySaysLive ? "media" : how)})");
    }

    private void Enter(CallState state, DateTimeOffset now, string detail)
    {
        State = state;
        Recorded.Add(new CallTransition(state, now, detail));
        Version++;
    }

    private static void RequireRole(PartyRole actual, PartyRole required, string rule)
    {
        if (actual != required) throw new ForbiddenException(rule, $"Only party {required.ToString().ToLowerInvariant()} may do this.");
    }

    private CallRuleException Ended(string action) =>
        new("call_ended", $"Cannot {action}: the call already ended ({EndReason?.ToWire()}).");
}

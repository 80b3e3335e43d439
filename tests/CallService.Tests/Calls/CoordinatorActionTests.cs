using CallContracts.Realtime;
using CallContracts.StatusCodes;
using CallService.Auth;
using CallService.Calls;
using CallService.Calls.CreateCall;
using CallService.Calls.ReportStatus;
using CallService.Common;
using CallService.Tests.Support;
using NSubstitute;

namespace CallService.Tests.Calls;

public class CoordinatorActionTests
{
    private readonly CoordinatorRig _rig = new();

    private static StatusItem Player(int code) => new(StatusComponent.Player, code);
    private static StatusItem Pusher(int code) => new(StatusComponent.Pusher, code);

    [Fact]
    public void Busy_NewCallEndsAtOnce_CallerIsTold_CalleeIsNot()
    {
        _rig.Create(ring: false, caller: "alice", callee: "bob");
        var busy = _rig.Create(ring: true, caller: "carol", callee: "bob");
        Assert.Equal(("ended", "busy", "system"), (busy.State, busy.EndReason, busy.EndedBy));
        Assert.Null(busy.Parties.A.PushUrl);
        Assert.Equal([RealtimeEventTypes.Ended], _rig.EventTypes("carol"));
        Assert.DoesNotContain(RealtimeEventTypes.Incoming, _rig.EventTypes("bob"));
    }

    [Fact]
    public void Busy_AlsoWhenTheCallerIsInACall()
    {
        _rig.Create(ring: false, caller: "alice", callee: "bob");
        Assert.Equal("busy", _rig.Create(ring: false, caller: "bob", callee: "dave").EndReason);
    }

    [Fact]
    public void Busy_IsReleasedWhenTheCallEnds()
    {
        var first = _rig.Create(ring: false);
        _rig.Coordinator.Hangup(first.CallId, new ServiceActor());
        Assert.Equal("accepted", _rig.Create(ring: false).State);
    }

    [Fact]
    public async Task Busy_IsAtomic_UnderConcurrentInvites()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(i =>
            Task.Run(() => _rig.Create(ring: true, caller: $"caller{i}", callee: "bob"))));
        Assert.Single(results, r => r.State == "ringing");
        Assert.Equal(63, results.Count(r => r.EndReason == "busy"));
    }

    [Fact]
    public void Create_StorageFailure_Throws_AndLeavesNoCallBehind()
    {
        _rig.Store.FailSaves = true;
        Assert.Throws<StorageUnavailableException>(() => _rig.Create(ring: false));
        Assert.Equal(0, _rig.Coordinator.LiveCount());
        _rig.Store.FailSaves = false;
        Assert.Equal("accepted", _rig.Create(ring: false).State); // alice/bob were not left busy
    }

    [Fact]
    public void Save_RecordsEveryTransitionOnce()
    {
        var id = _rig.Create(ring: true).CallId;
        _rig.Coordinator.Accept(id, CoordinatorRig.User("bob"));
        _rig.Coordinator.Accept(id, CoordinatorRig.User("bob")); // repeat: no write
        _rig.Coordinator.Hangup(id, CoordinatorRig.User("alice"));
        var saved = _rig.Store.Saved.SelectMany(w => w.NewTransitions).Select(t => t.State).ToList();
        Assert.Equal([CallState.Ringing, CallState.Accepted, CallState.Ended], saved);
    }

    [Fact]
    public void Accept_TellsBothParties_WithTheirOwnUrls()
    {
        var id = _rig.Create(ring: true).CallId;
        var view = _rig.Coordinator.Accept(id, CoordinatorRig.User("bob"));
        Assert.Equal("accepted", view.State);
        Assert.NotNull(view.Parties.B.PushUrl);
        Assert.Null(view.Parties.A.PushUrl); // bob does not see alice's URLs
        var toBob = _rig.LastEventData<PartyAssignment>("bob");
        var toAlice = _rig.LastEventData<PartyAssignment>("alice");
        Assert.Equal(("b", "alice"), (toBob.Role, toBob.PeerUserId));
        Assert.Contains($"/live/{id}-b?", toBob.View.PushUrl);
        Assert.Contains($"/live/{id}-a?", toBob.View.PlayUrl);
        Assert.Contains($"/live/{id}-a.flv?", toBob.View.PlayFlvUrl);
        Assert.Contains($"/live/{id}-a?", toAlice.View.PushUrl);
    }

    [Fact]
    public void NonParty_IsForbidden()
    {
        var id = _rig.Create(ring: true).CallId;
        var e = Assert.Throws<ForbiddenException>(() => _rig.Coordinator.Accept(id, CoordinatorRig.User("mallory")));
        Assert.Equal("not_a_party", e.Rule);
        Assert.Throws<ForbiddenException>(() => _rig.Coordinator.Get(id, CoordinatorRig.User("mallory")));
    }

    [Fact]
    public void ServiceKey_CannotAcceptForAParty() =>
        Assert.Equal("party_token_required", Assert.Throws<ForbiddenException>(() =>
            _rig.Coordinator.Accept(_rig.Create(ring: true).CallId, new ServiceActor())).Rule);

    [Fact]
    public void UnknownCall_IsNotFound() =>
        Assert.Throws<NotFoundException>(() => _rig.Coordinator.Hangup("nope", new ServiceActor()));

    [Fact]
    public void TerminalCode_EndsCall_PeerIsTold_ActionIsHangup()
    {
        var id = _rig.Create(ring: false).CallId;
        var result = _rig.Coordinator.Report(id, CoordinatorRig.User("bob"), [Player(-2301)]);
        Assert.Equal("hangup", result.Action);
        Assert.Equal(("client_terminal_code", "b", (int?)-2301), (result.Call.EndReason, result.Call.EndedBy, result.Call.Code));
        Assert.Equal(new EndedData("client_terminal_code", "b", -2301), _rig.LastEventData<EndedData>("alice"));
    }

    [Fact]
    public void ReportOnEndedCall_IsHarmless_AndSaysHangup()
    {
        var id = _rig.Create(ring: false).CallId;
        _rig.Coordinator.Report(id, CoordinatorRig.User("bob"), [Player(2006)]);
        var again = _rig.Coordinator.Report(id, CoordinatorRig.User("alice"), [Pusher(3005)]);
        Assert.Equal(("hangup", "b", (int?)2006), (again.Action, again.Call.EndedBy, again.Call.Code));
    }

    [Fact]
    public void Warnings_AreCounted_AndToldToThePeerDebounced()
    {
        var id = _rig.Create(ring: false).CallId;
        var r = _rig.Coordinator.Report(id, CoordinatorRig.User("alice"), [Pusher(1101), Pusher(1101)]);
        Assert.Equal("none", r.Action);
        Assert.Equal(2, r.Call.Parties.A.Quality.Warnings["1101"]);
        Assert.Single(_rig.Hub.History("bob"), e => e.Type == RealtimeEventTypes.PeerWarning);
        _rig.Advance(4.9);
        _rig.Coordinator.Report(id, CoordinatorRig.User("alice"), [Pusher(1101)]);
        Assert.Single(_rig.Hub.History("bob"), e => e.Type == RealtimeEventTypes.PeerWarning);
        _rig.Advance(0.1);
        _rig.Coordinator.Report(id, CoordinatorRig.User("alice"), [Pusher(1101)]);
        var warnings = _rig.Hub.History("bob").Where(e => e.Type == RealtimeEventTypes.PeerWarning).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Equal(new PeerWarningData(1101, "pusher"), CoordinatorRig.Data<PeerWarningData>(warnings[1]));
        Assert.Equal("accepted", _rig.Coordinator.Get(id, new ServiceActor()).State);
    }

    [Fact]
    public void ClientReportedBegins_ConnectTheCall()
    {
        var id = _rig.Create(ring: false).CallId;
        _rig.Coordinator.Report(id, CoordinatorRig.User("alice"), [Pusher(1002), Player(2004)]);
        var r = _rig.Coordinator.Report(id, CoordinatorRig.User("bob"), [Pusher(1002), Player(2004)]);
        Assert.Equal("connected", r.Call.State);
    }
}

public class RecoveryWindowTests
{
    private readonly CoordinatorRig _rig = new(new() { ["Rules:RecoveryWindowSeconds"] = "5" });

    [Fact]
    public void RetryStartedCode_WaitsForTheWindow_ThenEnds()
    {
        var id = _rig.Create(ring: false).CallId;
        var r = _rig.Coordinator.Report(id, CoordinatorRig.User("alice"), [new StatusItem(StatusComponent.Pusher, 3002)]);
        Assert.Equal("none", r.Action);
        _rig.Advance(4.9);
        Assert.Equal("accepted", _rig.Coordinator.Get(id, new ServiceActor()).State);
        _rig.Advance(0.1);
        var call = _rig.Coordinator.Get(id, new ServiceActor());
        Assert.Equal(("client_terminal_code", "a", (int?)3002), (call.EndReason, call.EndedBy, call.Code));
    }

    [Fact]
    public void PushBeginWithinTheWindow_CancelsTheHangup()
    {
        var id = _rig.Create(ring: false).CallId;
        _rig.Coordinator.Report(id, CoordinatorRig.User("alice"), [new StatusItem(StatusComponent.Pusher, 3002)]);
        _rig.Advance(3);
        _rig.Coordinator.Report(id, CoordinatorRig.User("alice"), [new StatusItem(StatusComponent.Pusher, 1002)]);
        _rig.Advance(10); // well past the window (and short of the 20 s media-join timeout)
        Assert.Equal("accepted", _rig.Coordinator.Get(id, new ServiceActor()).State);
    }

    [Fact]
    public void NonRetryTerminalCode_StillEndsAtOnce()
    {
        var id = _rig.Create(ring: false).CallId;
        Assert.Equal("hangup", _rig.Coordinator.Report(id, CoordinatorRig.User("bob"), [new StatusItem(StatusComponent.Player, -2301)]).Action);
    }
}

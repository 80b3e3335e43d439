using CallContracts.Evidence;
using CallMedia.Control;
using CallService.Auth;
using CallService.Calls.CreateCall;
using CallService.Common;
using CallService.Evidence;
using CallService.Evidence.Consent;
using CallService.Tests.Support;
using NSubstitute;

namespace CallService.Tests.Evidence;

/// <summary>
/// Recording through the real call transaction with a fake relay recorder: when the legs start and stop, what the
/// parties are told (<c>call.recording</c>), what the evidence says.
/// </summary>
public sealed class CallRecordingTests
{
    private readonly IRelayRecorder _recorder = Substitute.For<IRelayRecorder>();
    private readonly CoordinatorRig _rig;

    public CallRecordingTests()
    {
        _recorder.StartRecordingAsync(Arg.Any<string>(), Arg.Any<string>(), Arg.Any<CancellationToken>()).Returns(ValueTask.FromResult(true));
        _recorder.StopRecordingAsync(Arg.Any<string>(), Arg.Any<CancellationToken>())
            .Returns(c => ValueTask.FromResult<RecordingSummary?>(new RecordingSummary((string)c[0] + ".flv", 1000, 0, 5000, CoordinatorRig.T0)));
        _rig = new CoordinatorRig(recorder: _recorder);
    }

    private EvidenceRig Evidence => _rig.Evidence!;

    private string Create(RecordingMode mode, bool ring = false, string caller = "alice", string callee = "bob") =>
        _rig.Coordinator.Create(new NewCall(caller, callee, "general", ring, CoordinatorRig.DefaultTimers, mode), new ServiceActor()).CallId;

    private List<RecordingEventData> RecordingEvents(string user) =>
        [.. _rig.Hub.History(user).Where(e => e.Type == RecordingEventData.Type).Select(CoordinatorRig.Data<RecordingEventData>)];

    [Fact]
    public void ModeOn_DirectCall_RecordsBothLegsFromCreation_AndStopsAtHangup()
    {
        var id = Create(RecordingMode.On);

        _ = _recorder.Received(1).StartRecordingAsync($"{id}-a", Path.Combine(Evidence.Paths.Root, id, "seg0-a.flv"), Arg.Any<CancellationToken>());
        _ = _recorder.Received(1).StartRecordingAsync($"{id}-b", Path.Combine(Evidence.Paths.Root, id, "seg0-b.flv"), Arg.Any<CancellationToken>());
        Assert.True(Directory.Exists(Path.Combine(Evidence.Paths.Root, id)));
        Assert.Equal(RecordingState.Recording, Evidence.Find(id)!.State);
        foreach (var user in (string[])["alice", "bob"])
            Assert.Equal([new RecordingEventData("started", CallEvidence.ReasonModeOn)], RecordingEvents(user));

        _rig.Coordinator.Hangup(id, new UserActor("alice"));

        _ = _recorder.Received(1).StopRecordingAsync($"{id}-a", Arg.Any<CancellationToken>());
        _ = _recorder.Received(1).StopRecordingAsync($"{id}-b", Arg.Any<CancellationToken>());
        var evidence = Evidence.Find(id)!;
        Assert.Equal(RecordingState.Processing, evidence.State);
        Assert.Equal(CoordinatorRig.T0, evidence.Segments.Single().StartedAtA);
        Assert.Equal(new RecordingEventData("stopped", CallEvidence.ReasonCallEnded), RecordingEvents("bob")[^1]);
        Assert.Equal(RecordingState.Processing, Evidence.Store.Find(id)!.State); // written, not only held
    }

    [Fact]
    public void ModeOn_RingingCall_RecordsNothingUntilAccepted()
    {
        var id = Create(RecordingMode.On, ring: true);
        _ = _recorder.DidNotReceiveWithAnyArgs().StartRecordingAsync(default!, default!, default);
        Assert.Equal(RecordingState.Off, Evidence.Find(id)!.State);

        _rig.Coordinator.Accept(id, new UserActor("bob"));
        _ = _recorder.Received(1).StartRecordingAsync($"{id}-a", Arg.Any<string>(), Arg.Any<CancellationToken>());
        _ = _recorder.Received(1).StartRecordingAsync($"{id}-b", Arg.Any<string>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public void ModeOff_NothingRecorded_NoEvidenceKept()
    {
        var id = Create(RecordingMode.Off);
        _rig.Coordinator.Hangup(id, new UserActor("alice"));
        _ = _recorder.DidNotReceiveWithAnyArgs().StartRecordingAsync(default!, default!, default);
        Assert.Null(Evidence.Find(id));
        Assert.Empty(RecordingEvents("alice"));
    }

    [Fact]
    public void Busy_RecordedCallEndingBusy_NeverStartsTheRecorder()
    {
        Create(RecordingMode.Off, caller: "carol", callee: "dave");
        var busy = Create(RecordingMode.On, caller: "erin", callee: "dave");
        _ = _recorder.DidNotReceive().StartRecordingAsync($"{busy}-a", Arg.Any<string>(), Arg.Any<CancellationToken>());
        Assert.Equal(RecordingState.Off, Evidence.Find(busy)!.State);
    }

    [Fact]
    public async Task Consent_StartsAfterTheSecondAgreement_AndAWithdrawalStopsBothLegs()
    {
        var id = Create(RecordingMode.Consent);
        var consent = new GiveConsentHandler(_rig.Transaction, Evidence.Recording, _rig.Time);

        var first = await consent.Handle(new GiveConsentCommand(new UserActor("alice"), id, true), default);
        Assert.Equal(new ConsentResponse("waiting_consent", true, null), first);
        _ = _recorder.DidNotReceiveWithAnyArgs().StartRecordingAsync(default!, default!, default);

        var second = await consent.Handle(new GiveConsentCommand(new UserActor("bob"), id, true), default);
        Assert.Equal("recording", second.State);
        _ = _recorder.Received(1).StartRecordingAsync($"{id}-a", Arg.Any<string>(), Arg.Any<CancellationToken>());
        _ = _recorder.Received(1).StartRecordingAsync($"{id}-b", Arg.Any<string>(), Arg.Any<CancellationToken>());
        Assert.Equal(new RecordingEventData("started", CallEvidence.ReasonConsent), RecordingEvents("alice")[^1]);

        var withdrawn = await consent.Handle(new GiveConsentCommand(new UserActor("bob"), id, false), default);
        Assert.Equal(new ConsentResponse("waiting_consent", true, false), withdrawn);
        _ = _recorder.Received(1).StopRecordingAsync($"{id}-a", Arg.Any<CancellationToken>());
        _ = _recorder.Received(1).StopRecordingAsync($"{id}-b", Arg.Any<CancellationToken>());
        Assert.Equal(new RecordingEventData("stopped", CallEvidence.ReasonWithdrawn), RecordingEvents("alice")[^1]);
        Assert.Equal(3, Evidence.Find(id)!.Consents.Count);
    }

    [Fact]
    public async Task Consent_ByTheApiKey_IsForbidden_AndInModeOn_IsAConflict()
    {
        var consent = new GiveConsentHandler(_rig.Transaction, Evidence.Recording, _rig.Time);
        var on = Create(RecordingMode.On);
        await Assert.ThrowsAsync<ForbiddenException>(() => consent.Handle(new GiveConsentCommand(new ServiceActor(), on, true), default));
        var conflict = await Assert.ThrowsAsync<CallRuleException>(() => consent.Handle(new GiveConsentCommand(new UserActor("alice"), on, true), default));
        Assert.Equal("recording_not_by_consent", conflict.Rule);
    }

    [Fact]
    public void Mode_ComesFromTheRequest_ThenTheScenario_ThenTheDefault()
    {
        var options = new RecordingOptions { DefaultMode = "consent", Scenarios = { ["loss_assessment"] = "on" } };
        Assert.Equal(RecordingMode.Off, options.ModeFor("off", "loss_assessment"));
        Assert.Equal(RecordingMode.On, options.ModeFor(null, "loss_assessment"));
        Assert.Equal(RecordingMode.Consent, options.ModeFor(null, "general"));
        Assert.Equal(RecordingMode.Off, new RecordingOptions().ModeFor(null, "general"));
    }
}

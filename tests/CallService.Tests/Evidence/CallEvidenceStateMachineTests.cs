using CallContracts.Streams;
using CallService.Common;
using CallService.Evidence;
using CallService.Tests.Support;

namespace CallService.Tests.Evidence;

/// <summary>The recording state machine (<see cref="CallEvidence"/>): off / waiting_consent / recording / processing / ready / failed / interrupted.</summary>
public sealed class CallEvidenceStateMachineTests
{
    private static readonly DateTimeOffset T0 = CoordinatorRig.T0;

    private static CallEvidence New(RecordingMode mode) => CallEvidence.Create("c1", mode, "node");

    [Fact]
    public void ModeOff_StaysOff_ThroughTheWholeCall()
    {
        var e = New(RecordingMode.Off);
        Assert.Equal(RecordingStepKind.None, e.CallLive(T0).Kind);
        Assert.Equal(RecordingStepKind.None, e.CallEnded(T0.AddSeconds(5)).Kind);
        Assert.Equal(RecordingState.Off, e.State);
        Assert.Empty(e.Segments);
        Assert.True(e.IsEmpty);
    }

    [Fact]
    public void ModeOn_StartsWhenLive_StopsAtEnd_ThenProcessingThenReady()
    {
        var e = New(RecordingMode.On);
        Assert.Equal(RecordingState.Off, e.State);
        var start = e.CallLive(T0);
        Assert.Equal(RecordingStepKind.Start, start.Kind);
        Assert.Equal(CallEvidence.ReasonModeOn, start.Reason);
        Assert.Equal(RecordingState.Recording, e.State);
        Assert.Equal(RecordingStepKind.None, e.CallLive(T0.AddSeconds(1)).Kind); // connected after accepted: no second start

        var stop = e.CallEnded(T0.AddSeconds(12));
        Assert.Equal(RecordingStepKind.Stop, stop.Kind);
        Assert.Equal(CallEvidence.ReasonCallEnded, stop.Reason);
        Assert.Equal(RecordingState.Processing, e.State);
        Assert.Equal(T0.AddSeconds(12), e.Segments.Single().StoppedAt);

        var segment = Assert.Single(e.Unprocessed);
        e.Processed(segment, [File("f1", T0)], failed: false);
        Assert.Equal(RecordingState.Ready, e.State);
        Assert.Empty(e.Unprocessed);
        Assert.Equal(T0, e.MediaSince);
    }

    [Fact]
    public void Consent_NothingUntilBothAgree_ThenStarts_AndAWithdrawalStopsBothLegs()
    {
        var e = New(RecordingMode.Consent);
        Assert.Equal(RecordingState.WaitingConsent, e.State);
        Assert.Equal(RecordingStepKind.None, e.CallLive(T0).Kind);
        Assert.Equal(RecordingStepKind.None, e.Consent(PartyRole.A, true, T0.AddSeconds(1)).Kind);
        Assert.Equal(RecordingState.WaitingConsent, e.State);
        Assert.Empty(e.Segments);

        var start = e.Consent(PartyRole.B, true, T0.AddSeconds(2));
        Assert.Equal(RecordingStepKind.Start, start.Kind);
        Assert.Equal(CallEvidence.ReasonConsent, start.Reason);
        Assert.Equal(RecordingState.Recording, e.State);

        var stop = e.Consent(PartyRole.A, false, T0.AddSeconds(5));
        Assert.Equal(RecordingStepKind.Stop, stop.Kind);
        Assert.Equal(CallEvidence.ReasonWithdrawn, stop.Reason);
        Assert.Equal(RecordingState.WaitingConsent, e.State);

        // Agreeing again starts a second segment; the record keeps every answer.
        Assert.Equal(RecordingStepKind.Start, e.Consent(PartyRole.A, true, T0.AddSeconds(7)).Kind);
        Assert.Equal(2, e.Segments.Count);
        Assert.Equal([PartyRole.A, PartyRole.B, PartyRole.A, PartyRole.A], e.Consents.Select(c => c.Party));
        Assert.Equal([true, true, false, true], e.Consents.Select(c => c.Recording));
    }

    [Fact]
    public void Consent_GivenWhileRinging_StartsOnAccept()
    {
        var e = New(RecordingMode.Consent);
        e.Consent(PartyRole.A, true, T0);
        e.Consent(PartyRole.B, true, T0.AddSeconds(1));
        Assert.Equal(RecordingState.WaitingConsent, e.State);
        Assert.Equal(RecordingStepKind.Start, e.CallLive(T0.AddSeconds(3)).Kind);
        Assert.Equal(RecordingState.Recording, e.State);
    }

    [Fact]
    public void Consent_InAnotherMode_OrAfterTheEnd_IsARuleFailure()
    {
        var on = New(RecordingMode.On);
        Assert.Equal("recording_not_by_consent", Assert.Throws<CallRuleException>(() => on.Consent(PartyRole.A, true, T0)).Rule);
        var ended = New(RecordingMode.Consent);
        ended.CallLive(T0);
        ended.CallEnded(T0.AddSeconds(1));
        Assert.Equal("call_ended", Assert.Throws<CallRuleException>(() => ended.Consent(PartyRole.A, true, T0.AddSeconds(2))).Rule);
        Assert.Equal(RecordingState.Off, ended.State); // nothing was ever recorded
    }

    [Fact]
    public void ProcessingFailure_EndsFailed_KeepingWhatWasMade()
    {
        var e = New(RecordingMode.On);
        e.CallLive(T0);
        e.CallEnded(T0.AddSeconds(3));
        e.Processed(e.Unprocessed.Single(), [File("flv-a", T0)], failed: true);
        Assert.Equal(RecordingState.Failed, e.State);
        Assert.Single(e.Files);
    }

    [Fact]
    public void Crash_WhileRecording_EndsInterrupted_AfterProcessing()
    {
        var e = New(RecordingMode.On);
        e.CallLive(T0);
        e.Interrupt(T0.AddSeconds(6));
        Assert.Equal(RecordingState.Processing, e.State);
        Assert.Equal(T0.AddSeconds(6), e.Segments.Single().StoppedAt);
        e.Processed(e.Unprocessed.Single(), [File("f", T0)], failed: false);
        Assert.Equal(RecordingState.Interrupted, e.State);
    }

    [Fact]
    public void Crash_AfterAWithdrawal_ProcessesTheStretchRecordedBefore_AndEndsReady()
    {
        var e = New(RecordingMode.Consent);
        e.CallLive(T0);
        e.Consent(PartyRole.A, true, T0);
        e.Consent(PartyRole.B, true, T0.AddSeconds(1));
        e.Consent(PartyRole.B, false, T0.AddSeconds(5));
        e.Interrupt(T0.AddSeconds(9));
        Assert.Equal(RecordingState.Processing, e.State);
        e.Processed(e.Unprocessed.Single(), [File("f", T0)], failed: false);
        Assert.Equal(RecordingState.Ready, e.State);

        var never = New(RecordingMode.Consent);
        never.Interrupt(T0);
        Assert.Equal(RecordingState.Off, never.State);
    }

    [Fact]
    public void Crash_WhileProcessing_IsProcessedAgain_AndEndsReady()
    {
        var e = New(RecordingMode.On);
        e.CallLive(T0);
        e.CallEnded(T0.AddSeconds(4));
        e.Interrupt(T0.AddSeconds(5));
        Assert.Equal(RecordingState.Processing, e.State);
        e.Processed(e.Unprocessed.Single(), [File("f", T0)], failed: false);
        Assert.Equal(RecordingState.Ready, e.State);
    }

    [Fact]
    public void Erase_RefusedWhileRecording_ThenRemovesMediaAndNotesWhoAndWhen()
    {
        var e = New(RecordingMode.On);
        e.CallLive(T0);
        Assert.Equal("evidence_in_use", Assert.Throws<CallRuleException>(() => e.Erase("service", T0, _ => true, out _)).Rule);
        e.CallEnded(T0.AddSeconds(4));
        e.Processed(e.Unprocessed.Single(), [File("old", T0), File("new", T0.AddDays(2))], failed: false);
        e.AddSnapshot(new EvidenceSnapshot("s1", PartyRole.B, T0.AddSeconds(1), 320, 240, "ab", 10, "c1/s1.jpg", "service"));

        var erasure = e.Erase("retention", T0.AddDays(31), at => at < T0.AddDays(1), out var paths);
        Assert.NotNull(erasure);
        Assert.Equal(["old"], erasure.RecordingIds);
        Assert.Equal(["s1"], erasure.SnapshotIds);
        Assert.Equal(["c1/old", "c1/s1.jpg"], paths);
        Assert.Equal(["new"], e.Files.Select(f => f.RecordingId));
        Assert.Empty(e.Snapshots);
        Assert.Equal("retention", Assert.Single(e.Erasures).By);
        Assert.Null(e.Erase("service", T0.AddDays(31), at => at < T0.AddDays(1), out _)); // nothing left to pick: no note
    }

    private static EvidenceFile File(string id, DateTimeOffset at) =>
        new(id, 0, EvidenceFile.Leg, PartyRole.A, "mp4", "c1/" + id, 100, 12.0, "00", at);
}

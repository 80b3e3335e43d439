using CallContracts.Streams;
using CallService.Calls;
using CallService.Common;

namespace CallService.Tests.Calls;

public class CallStateMachineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly CallTimerSettings Timers = new(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(10), TimeSpan.FromHours(2));

    private static Call Ringing() => Call.Create("c1", "alice", "bob", "general", ring: true, Timers, T0);
    private static Call Direct() => Call.Create("c1", "alice", "bob", "general", ring: false, Timers, T0);

    private static Call InState(string state) => state switch
    {
        "ringing" => Ringing(),
        "accepted" => Direct(),
        "connected" => Connected(),
        "ended" => Ended(),
        _ => throw new ArgumentException(state),
    };

    private static Call Connected()
    {
        var call = Direct();
        call.PublishStarted(PartyRole.A, 1, T0);
        call.PublishStarted(PartyRole.B, 2, T0);
        call.PlayStarted(PartyRole.A, 10, T0);
        call.PlayStarted(PartyRole.B, 11, T0);
        Assert.Equal(CallState.Connected, call.State);
        return call;
    }

    private static Call Ended()
    {
        var call = Direct();
        call.Hangup(Ender.A, T0);
        return call;
    }

    [Fact]
    public void Create_WithRing_StartsRinging_AndIssuesOnlyCallerUrls()
    {
        var call = Ringing();
        Assert.Equal(CallState.Ringing, call.State);
        Assert.True(call.A.UrlsIssued);
        Assert.False(call.B.UrlsIssued);
        Assert.Null(call.AcceptedAt);
        Assert.Equal(T0 + TimeSpan.FromSeconds(30) + TimeSpan.FromHours(2), call.UrlsExpireAt);
    }

    [Fact]
    public void Create_Direct_StartsAccepted_AndIssuesBothUrls()
    {
        var call = Direct();
        Assert.Equal(CallState.Accepted, call.State);
        Assert.True(call.A.UrlsIssued);
        Assert.True(call.B.UrlsIssued);
        Assert.Equal(T0, call.AcceptedAt);
        Assert.Equal(T0 + TimeSpan.FromHours(2), call.UrlsExpireAt);
    }

    [Fact]
    public void EndBusy_EndsAtOnce_WithoutUrls()
    {
        var call = Ringing();
        call.EndBusy(T0);
        Assert.Equal(CallState.Ended, call.State);
        Assert.Equal(EndReason.Busy, call.EndReason);
        Assert.Equal(Ender.System, call.EndedBy);
        Assert.False(call.A.UrlsIssued);
    }

    [Fact]
    public void Accept_WhileRinging_ByCallee_Accepts_AndIssuesCalleeUrls()
    {
        var call = Ringing();
        call.Accept(PartyRole.B, T0.AddSeconds(3));
        Assert.Equal(CallState.Accepted, call.State);
        Assert.True(call.B.UrlsIssued);
        Assert.Equal(T0.AddSeconds(3), call.AcceptedAt);
        Assert.Equal(["created ringing", "accept by b"], call.Transitions.Select(t => t.Detail));
    }

    [Fact]
    public void Accept_ByCaller_IsForbidden()
    {
        var e = Assert.Throws<ForbiddenException>(() => Ringing().Accept(PartyRole.A, T0));
        Assert.Equal("only_callee_may_accept", e.Rule);
    }

    [Theory]
    [InlineData("accepted")]
    [InlineData("connected")]
    public void Accept_Repeated_IsHarmless(string state)
    {
        var call = InState(state);
        var version = call.Version;
        call.Accept(PartyRole.B, T0.AddSeconds(5));
        Assert.Equal(state, call.State.ToWire());
        Assert.Equal(version, call.Version);
    }

    [Fact]
    public void Accept_WhenEnded_IsConflict()
    {
        var call = Ringing();
        call.Cancel(PartyRole.A, T0);
        var e = Assert.Throws<CallRuleException>(() => call.Accept(PartyRole.B, T0));
        Assert.Equal("call_ended", e.Rule);
    }

    [Fact]
    public void Reject_WhileRinging_EndsRejectedByB()
    {
        var call = Ringing();
        call.Reject(PartyRole.B, T0.AddSeconds(1));
        Assert.Equal((CallState.Ended, EndReason.Rejected, Ender.B), (call.State, call.EndReason!.Value, call.EndedBy!.Value));
        Assert.Equal(T0.AddSeconds(1), call.EndedAt);
        call.Reject(PartyRole.B, T0.AddSeconds(2)); // repeat: harmless
        Assert.Equal(T0.AddSeconds(1), call.EndedAt);
    }

    [Theory]
    [InlineData("accepted", "call_already_accepted")]
    [InlineData("connected", "call_already_accepted")]
    [InlineData("ended", "call_ended")]
    public void Reject_WhenNotRinging_IsConflict(string state, string rule)
    {
        var e = Assert.Throws<CallRuleException>(() => InState(state).Reject(PartyRole.B, T0));
        Assert.Equal(rule, e.Rule);
    }

    [Fact]
    public void Reject_ByCaller_IsForbidden() =>
        Assert.Throws<ForbiddenException>(() => Ringing().Reject(PartyRole.A, T0));

    [Fact]
    public void Cancel_WhileRinging_EndsCancelledByA_AndRepeatIsHarmless()
    {
        var call = Ringing();
        call.Cancel(PartyRole.A, T0);
        Assert.Equal((EndReason.Cancelled, Ender.A), (call.EndReason!.Value, call.EndedBy!.Value));
        call.Cancel(PartyRole.A, T0);
        Assert.Equal(2, call.Transitions.Count);
    }

    [Theory]
    [InlineData("accepted", "call_already_accepted")]
    [InlineData("connected", "call_already_accepted")]
    [InlineData("ended", "call_ended")]
    public void Cancel_WhenNotRinging_IsConflict(string state, string rule)
    {
        var e = Assert.Throws<CallRuleException>(() => InState(state).Cancel(PartyRole.A, T0));
        Assert.Equal(rule, e.Rule);
    }

    [Fact]
    public void Cancel_ByCallee_IsForbidden() =>
        Assert.Throws<ForbiddenException>(() => Ringing().Cancel(PartyRole.B, T0));

    [Theory]
    [InlineData("ringing", "A")]
    [InlineData("accepted", "B")]
    [InlineData("connected", "System")]
    public void Hangup_InAnyLiveState_EndsHangup(string state, string ender)
    {
        var by = Enum.Parse<Ender>(ender);
        var call = InState(state);
        call.Hangup(by, T0.AddMinutes(1));
        Assert.Equal((CallState.Ended, EndReason.Hangup, by), (call.State, call.EndReason!.Value, call.EndedBy!.Value));
        Assert.Null(call.Code);
    }

    [Fact]
    public void Hangup_WhenEnded_IsHarmless_AndKeepsTheFirstReason()
    {
        var call = Ringing();
        call.Reject(PartyRole.B, T0);
        call.Hangup(Ender.A, T0.AddSeconds(9));
        Assert.Equal(EndReason.Rejected, call.EndReason);
        Assert.Equal(T0, call.EndedAt);
    }

    [Fact]
    public void End_WhenEnded_IsConflict() =>
        Assert.Throws<CallRuleException>(() => Ended().End(EndReason.MaxDuration, Ender.System, null, T0));

    [Fact]
    public void RingTimedOut_WhileRinging_EndsNoAnswer_OtherwiseNothing()
    {
        var ringing = Ringing();
        ringing.RingTimedOut(T0.AddSeconds(30));
        Assert.Equal((EndReason.NoAnswer, Ender.System), (ringing.EndReason!.Value, ringing.EndedBy!.Value));

        var accepted = Direct();
        accepted.RingTimedOut(T0.AddSeconds(30));
        Assert.Equal(CallState.Accepted, accepted.State);
    }

    [Fact]
    public void MediaJoinTimedOut_EndsMediaTimeout_ByTheSilentParty()
    {
        var call = Direct();
        call.PublishStarted(PartyRole.A, 1, T0);
        call.MediaJoinTimedOut(T0.AddSeconds(20));
        Assert.Equal((EndReason.MediaTimeout, Ender.B), (call.EndReason!.Value, call.EndedBy!.Value));
    }

    [Fact]
    public void MediaJoinTimedOut_WhenBothPublished_DoesNothing()
    {
        var call = Direct();
        call.PublishStarted(PartyRole.A, 1, T0);
        call.PublishStarted(PartyRole.B, 2, T0);
        call.PublishStopped(PartyRole.B, 2); // lost later: that is the publisher-lost grace's business
        call.MediaJoinTimedOut(T0.AddSeconds(20));
        Assert.Equal(CallState.Accepted, call.State);
    }

    [Fact]
    public void Connected_WhenBothPublishAndBothPlay_OnTheRelay()
    {
        var call = Direct();
        call.PublishStarted(PartyRole.A, 1, T0);
        call.PublishStarted(PartyRole.B, 2, T0);
        call.PlayStarted(PartyRole.A, 10, T0);
        Assert.Equal(CallState.Accepted, call.State);
        call.PlayStarted(PartyRole.B, 11, T0.AddSeconds(2));
        Assert.Equal(CallState.Connected, call.State);
        Assert.Equal(T0.AddSeconds(2), call.ConnectedAt);
    }

    [Fact]
    public void Connected_WhenClientsReportPushAndPlayBegin()
    {
        var call = Direct();
        call.PushBegin(PartyRole.A, T0);
        call.PushBegin(PartyRole.B, T0);
        call.PlayBegin(PartyRole.A, T0);
        Assert.Equal(CallState.Accepted, call.State);
        call.PlayBegin(PartyRole.B, T0);
        Assert.Equal(CallState.Connected, call.State);
    }

    [Fact]
    public void Connected_NeverWhileRinging()
    {
        var call = Ringing();
        call.PushBegin(PartyRole.A, T0); call.PushBegin(PartyRole.B, T0);
        call.PlayBegin(PartyRole.A, T0); call.PlayBegin(PartyRole.B, T0);
        Assert.Equal(CallState.Ringing, call.State);
    }

    [Fact]
    public void PublishStopped_OfAReplacedSession_IsNotALoss()
    {
        var call = Direct();
        call.PublishStarted(PartyRole.A, 1, T0);
        call.PublishStarted(PartyRole.A, 2, T0); // takeover by a reconnecting pusher
        Assert.False(call.PublishStopped(PartyRole.A, 1));
        Assert.True(call.A.Publishing);
        Assert.True(call.PublishStopped(PartyRole.A, 2));
        Assert.False(call.A.Publishing);
    }

    [Fact]
    public void PublisherLostExpired_EndsMediaLost_OnlyWhenStillGone()
    {
        var call = Connected();
        call.PublishStopped(PartyRole.B, 2);
        call.PublishStarted(PartyRole.B, 3, T0); // came back
        call.PublisherLostExpired(PartyRole.B, T0.AddSeconds(10));
        Assert.Equal(CallState.Connected, call.State);

        call.PublishStopped(PartyRole.B, 3);
        call.PublisherLostExpired(PartyRole.B, T0.AddSeconds(20));
        Assert.Equal((EndReason.MediaLost, Ender.B), (call.EndReason!.Value, call.EndedBy!.Value));
    }

    [Fact]
    public void MaxDurationReached_EndsMaxDuration()
    {
        var call = Connected();
        call.MaxDurationReached(T0.AddHours(2));
        Assert.Equal((EndReason.MaxDuration, Ender.System), (call.EndReason!.Value, call.EndedBy!.Value));
    }

    [Fact]
    public void TerminalCode_EndsClientTerminalCode_WithCodeAndParty()
    {
        var call = Connected();
        call.TerminalCode(PartyRole.B, -2301, T0);
        Assert.Equal((EndReason.ClientTerminalCode, Ender.B, (int?)-2301), (call.EndReason!.Value, call.EndedBy!.Value, call.Code));
        Assert.Equal("client_terminal_code by b code -2301", call.Transitions[^1].Detail);
    }

    [Fact]
    public void CountWarning_CountsPerCode()
    {
        var call = Direct();
        call.CountWarning(PartyRole.A, 1101);
        call.CountWarning(PartyRole.A, 1101);
        call.CountWarning(PartyRole.A, 2105);
        Assert.Equal(2, call.A.Warnings[1101]);
        Assert.Equal(1, call.A.Warnings[2105]);
        Assert.Empty(call.B.Warnings);
    }

    [Fact]
    public void Restore_RoundTripsAnEndedCall()
    {
        var call = Connected();
        call.CountWarning(PartyRole.B, 2105);
        call.TerminalCode(PartyRole.A, 3005, T0.AddSeconds(30));
        var restored = Call.Restore(CallSnapshot.Of(call));
        Assert.Equal((call.State, call.EndReason, call.EndedBy, call.Code, call.EndedAt, call.ConnectedAt),
            (restored.State, restored.EndReason, restored.EndedBy, restored.Code, restored.EndedAt, restored.ConnectedAt));
        Assert.Equal(1, restored.B.Warnings[2105]);
        Assert.Equal(call.Transitions, restored.Transitions);
    }
}

using CallContracts.Realtime;
using CallMedia.Access;
using CallMedia.Events;
using CallService.Calls;
using CallService.Calls.CreateCall;
using CallService.Calls.ReportStatus;
using CallService.Tests.Support;
using NSubstitute;

namespace CallService.Tests.Calls;

/// <summary>Timers and the relay's view, driven by fake time and fed media events (no sleeping).</summary>
public class CoordinatorTimerTests
{
    private readonly CoordinatorRig _rig = new();

    private void Media(MediaEvent e) => _rig.Coordinator.OnMediaEvent(e);
    private void Publish(string id, string party, long session) => Media(new PublishStarted($"{id}-{party}", _rig.Time.GetUtcNow(), session, null));
    private void Unpublish(string id, string party, long session) => Media(new PublishStopped($"{id}-{party}", _rig.Time.GetUtcNow(), session, "closed"));
    private void Play(string id, string party, long viewer) => Media(new PlayStarted($"{id}-{party}", _rig.Time.GetUtcNow(), viewer, MediaTransport.Rtmp));

    private string ConnectedCall()
    {
        var id = _rig.Create(ring: false).CallId;
        Publish(id, "a", 1); Publish(id, "b", 2); Play(id, "a", 10); Play(id, "b", 11);
        Assert.Equal("connected", State(id));
        return id;
    }

    private string State(string id) => _rig.Coordinator.Get(id, new CallService.Auth.ServiceActor()).State;
    private string? Reason(string id) => _rig.Coordinator.Get(id, new CallService.Auth.ServiceActor()).EndReason;
    private string? EndedBy(string id) => _rig.Coordinator.Get(id, new CallService.Auth.ServiceActor()).EndedBy;

    [Fact]
    public void RingTimeout_EndsNoAnswer_TellsBoth_AndKicksStreams()
    {
        var id = _rig.Create(ring: true).CallId;
        _rig.Advance(29.9);
        Assert.Equal("ringing", State(id));
        _rig.Advance(0.1);
        Assert.Equal("ended", State(id));
        Assert.Equal("no_answer", Reason(id));
        Assert.Equal("system", EndedBy(id));
        Assert.Equal([RealtimeEventTypes.Incoming, RealtimeEventTypes.Ended], _rig.EventTypes("bob"));
        Assert.Equal([RealtimeEventTypes.Ended], _rig.EventTypes("alice"));
        _ = _rig.Relay.Received(1).DisconnectStreamAsync($"{id}-a", Arg.Any<string>(), Arg.Any<CancellationToken>());
        _ = _rig.Relay.Received(1).DisconnectStreamAsync($"{id}-b", Arg.Any<string>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public void RingTimeout_PerCallOverride_IsUsed()
    {
        var timers = CoordinatorRig.DefaultTimers with { RingTimeout = TimeSpan.FromSeconds(5) };
        var id = _rig.Create(ring: true, timers: timers).CallId;
        _rig.Advance(5);
        Assert.Equal("no_answer", Reason(id));
    }

    [Fact]
    public void Accept_CancelsRingTimer_AndStartsMediaJoin()
    {
        var id = _rig.Create(ring: true).CallId;
        _rig.Advance(10);
        _rig.Coordinator.Accept(id, CoordinatorRig.User("bob"));
        _rig.Advance(25); // past the original ring timeout
        Assert.Equal("media_timeout", Reason(id)); // nobody published within 20 s of accept
        Assert.Equal("a", EndedBy(id));
    }

    [Fact]
    public void MediaJoinTimeout_EndsByTheSilentParty()
    {
        var id = _rig.Create(ring: false).CallId;
        Publish(id, "a", 1);
        _rig.Advance(19);
        Assert.Equal("accepted", State(id));
        _rig.Advance(1);
        Assert.Equal("media_timeout", Reason(id));
        Assert.Equal("b", EndedBy(id));
    }

    [Fact]
    public void BothPublishing_MediaJoinTimeoutDoesNotFire()
    {
        var id = _rig.Create(ring: false).CallId;
        Publish(id, "a", 1);
        Publish(id, "b", 2);
        _rig.Advance(60);
        Assert.Equal("accepted", State(id));
    }

    [Fact]
    public void Connected_WhenRelaySeesBothPublishersAndViewers_BothAreTold()
    {
        var id = ConnectedCall();
        Assert.Contains(RealtimeEventTypes.Connected, _rig.EventTypes("alice"));
        Assert.Contains(RealtimeEventTypes.Connected, _rig.EventTypes("bob"));
    }

    [Fact]
    public void PublisherLost_AfterGrace_EndsMediaLost_ByThatParty()
    {
        var id = ConnectedCall();
        Unpublish(id, "a", 1);
        _rig.Advance(9.9);
        Assert.Equal("connected", State(id));
        _rig.Advance(0.1);
        Assert.Equal("media_lost", Reason(id));
        Assert.Equal("a", EndedBy(id));
        var ended = _rig.LastEvent("bob");
        Assert.Equal(RealtimeEventTypes.Ended, ended.Type);
        Assert.Equal(new EndedData("media_lost", "a", null), CoordinatorRig.Data<EndedData>(ended));
    }

    [Fact]
    public void PublisherLost_RepublishWithinGrace_CancelsSilently()
    {
        var id = ConnectedCall();
        var before = _rig.EventTypes("bob").Count;
        Unpublish(id, "b", 2);
        _rig.Advance(5);
        Publish(id, "b", 3);
        _rig.Advance(30);
        Assert.Equal("connected", State(id));
        Assert.Equal(before, _rig.EventTypes("bob").Count);
    }

    [Fact]
    public void PublisherLost_OldSessionStopAfterTakeover_IsIgnored()
    {
        var id = ConnectedCall();
        Publish(id, "a", 5);     // the reconnecting pusher took over
        Unpublish(id, "a", 1);  // the stale session's stop arrives late
        _rig.Advance(60);
        Assert.Equal("connected", State(id));
    }

    [Fact]
    public void MaxDuration_EndsTheCall()
    {
        var timers = CoordinatorRig.DefaultTimers with { MaxDuration = TimeSpan.FromSeconds(60) };
        var id = _rig.Create(ring: false, timers: timers).CallId;
        Publish(id, "a", 1); Publish(id, "b", 2);
        _rig.Advance(59);
        Assert.Equal("accepted", State(id));
        _rig.Advance(1);
        Assert.Equal("max_duration", Reason(id));
    }

    [Fact]
    public void EndedCall_CancelsEveryTimer()
    {
        var timers = CoordinatorRig.DefaultTimers with { MaxDuration = TimeSpan.FromSeconds(60) };
        var id = _rig.Create(ring: false, timers: timers).CallId;
        Publish(id, "a", 1);
        Unpublish(id, "a", 1);
        _rig.Coordinator.Hangup(id, CoordinatorRig.User("bob"));
        _rig.Advance(120); // past grace, media-join and maximum duration; short of eviction
        Assert.Equal("hangup", Reason(id));
        Assert.Equal("b", EndedBy(id));
        Assert.Equal(1, _rig.EventTypes("alice").Count(t => t == RealtimeEventTypes.Ended));
    }

    [Fact]
    public void EndedCall_IsEvicted_ThenServedFromTheStore()
    {
        var id = _rig.Create(ring: false).CallId;
        _rig.Coordinator.Hangup(id, new CallService.Auth.ServiceActor());
        _rig.Advance(301);
        Assert.Null(_rig.Coordinator.AccessOf(id));
        _rig.Store.Forget(id);
        Assert.Throws<CallService.Common.NotFoundException>(() => State(id));
    }
}

using CallContracts.Calls;
using CallContracts.Realtime;
using CallMedia.Access;
using CallMedia.Events;
using CallMedia.Hosting;
using CallService.Auth;
using CallService.Calls;
using CallService.Calls.CreateCall;
using CallService.Calls.ReportStatus;
using CallService.Tests.Support;
using NSubstitute;

namespace CallService.Tests.Calls;

/// <summary>Stalls run the publisher-lost grace; relay statistics feed quality and <c>profile_exceeded</c> (fake time).</summary>
public class CoordinatorStreamHealthTests
{
    private readonly CoordinatorRig _rig = new();

    private void Media(MediaEvent e) => _rig.Coordinator.OnMediaEvent(e);
    private DateTimeOffset Now => _rig.Time.GetUtcNow();
    private void Publish(string id, string party, long session) => Media(new PublishStarted($"{id}-{party}", Now, session, null));
    private void Play(string id, string party, long viewer) => Media(new PlayStarted($"{id}-{party}", Now, viewer, MediaTransport.Rtmp));
    private void Stall(string id, string party, long session) => Media(new PublishStalled($"{id}-{party}", Now, session, 1500));
    private void Resume(string id, string party, long session) => Media(new PublishResumed($"{id}-{party}", Now, session));

    private void Stats(string id, string party, int videoKbps, int audioKbps = 64, params MediaViewerStats[] viewers) =>
        Media(new StreamStatsReported($"{id}-{party}", Now, new MediaStreamStats(
            $"{id}-{party}", true, "127.0.0.1:5000", "avc", 66, 30, 320, 240, "aac", 44100, 1,
            15, 1000, audioKbps, videoKbps, viewers)));

    private static MediaViewerStats Viewer(long id, long audioDropped, long videoDropped) =>
        new(id, MediaTransport.Rtmp, 100, audioDropped, 100, videoDropped, 10_000, 20, 40);

    private CallResponse Call(string id) => _rig.Coordinator.Get(id, new ServiceActor());

    private string ConnectedCall(string scenario = "general")
    {
        var id = _rig.Coordinator.Create(new NewCall("alice", "bob", scenario, false, CoordinatorRig.DefaultTimers), new ServiceActor()).CallId;
        Publish(id, "a", 1); Publish(id, "b", 2); Play(id, "a", 10); Play(id, "b", 11);
        Assert.Equal("connected", Call(id).State);
        return id;
    }

    private List<RealtimeEvent> Warnings(string user) =>
        [.. _rig.Hub.History(user).Where(e => e.Type == RealtimeEventTypes.PeerWarning)];

    // ---- stalls (DESIGN §3.1: "no media" starts the publisher-lost grace) ----

    [Fact]
    public void Stall_StartsPublisherLostGrace_EndsMediaLostByThatParty()
    {
        var id = ConnectedCall();
        Stall(id, "a", 1);
        _rig.Advance(9.9);
        Assert.Equal("connected", Call(id).State);
        _rig.Advance(0.1);
        var call = Call(id);
        Assert.Equal(("ended", "media_lost", "a"), (call.State, call.EndReason, call.EndedBy));
        Assert.Equal(1, call.Parties.A.Quality.Media!.Stalls);
    }

    [Fact]
    public void Resume_CancelsTheGrace_Silently()
    {
        var id = ConnectedCall();
        Stall(id, "b", 2);
        _rig.Advance(5);
        Resume(id, "b", 2);
        _rig.Advance(60);
        Assert.Equal("connected", Call(id).State);
        Assert.Equal([RealtimeEventTypes.Connected], _rig.EventTypes("alice").Where(t => t != RealtimeEventTypes.Accepted));
    }

    [Fact]
    public void StallOfAReplacedSession_IsIgnored()
    {
        var id = ConnectedCall();
        Publish(id, "a", 7); // takeover: session 7 is current
        Stall(id, "a", 1);
        _rig.Advance(30);
        Assert.Equal("connected", Call(id).State);
        Assert.Null(Call(id).Parties.A.Quality.Media);
    }

    [Fact]
    public void StalledPublisherThatThenCloses_KeepsTheOriginalGraceDeadline()
    {
        var id = ConnectedCall();
        Stall(id, "a", 1);
        _rig.Advance(6);
        Media(new PublishStopped($"{id}-a", Now, 1, "stalled"));
        _rig.Advance(4); // 10 s after the stall, 4 s after the close
        Assert.Equal("media_lost", Call(id).EndReason);
    }

    [Fact]
    public void StalledPublisher_ReplacedByANewPublish_CancelsTheGrace()
    {
        var id = ConnectedCall();
        Stall(id, "a", 1);
        _rig.Advance(3);
        Media(new PublishStopped($"{id}-a", Now, 1, "replaced"));
        Publish(id, "a", 8);
        _rig.Advance(30);
        Assert.Equal("connected", Call(id).State);
    }

    // ---- profile_exceeded ----

    [Fact]
    public void ProfileExceeded_After10sOver150Percent_WarnsThePublisherItself()
    {
        var id = ConnectedCall(); // general: maxBitrate 800 → limit 1200 kbps video
        Stats(id, "a", 1300);
        _rig.Advance(5);
        Stats(id, "a", 1300);
        Assert.Empty(Warnings("alice"));
        _rig.Advance(5);
        Stats(id, "a", 1300);
        var warning = Assert.Single(Warnings("alice"));
        Assert.Equal(new ProfileExceededData("profile_exceeded", "pusher", 1300, 800, 10), CoordinatorRig.Data<ProfileExceededData>(warning));
        Assert.Empty(Warnings("bob")); // the peer cannot fix the publisher's settings
        Assert.Equal(1, Call(id).Parties.A.Quality.Media!.ProfileExceeded);
    }

    [Fact]
    public void ProfileExceeded_NotAtExactly150Percent_AndResetsWhenBitrateDrops()
    {
        var id = ConnectedCall();
        Stats(id, "a", 1200); // exactly 1.5 × 800: not over
        _rig.Advance(10);
        Stats(id, "a", 1200);
        Assert.Empty(Warnings("alice"));

        Stats(id, "a", 1500);
        _rig.Advance(5);
        Stats(id, "a", 700); // back within the profile: the 10 s start over
        _rig.Advance(5);
        Stats(id, "a", 1500);
        _rig.Advance(5);
        Stats(id, "a", 1500);
        Assert.Empty(Warnings("alice"));
        _rig.Advance(5);
        Stats(id, "a", 1500);
        Assert.Single(Warnings("alice"));
    }

    [Fact]
    public void ProfileExceeded_IsDebounced_AndUsesTheScenarioLimit()
    {
        var id = ConnectedCall("customer_service"); // maxBitrate 500 → limit 750
        for (var t = 0; t <= 10; t += 2)
        {
            Stats(id, "b", 800);
            if (t < 10) _rig.Advance(2);
        }
        Assert.Single(Warnings("bob")); // at t = 10
        _rig.Advance(2);
        Stats(id, "b", 800); // t = 12: within 5 s of the last warning
        _rig.Advance(2);
        Stats(id, "b", 800); // t = 14
        Assert.Single(Warnings("bob"));
        _rig.Advance(1);
        Stats(id, "b", 800); // t = 15: 5 s later
        Assert.Equal(2, Warnings("bob").Count);
        Assert.Equal(2, Call(id).Parties.B.Quality.Media!.ProfileExceeded);
        Assert.Empty(Warnings("alice"));
    }

    // ---- quality.media ----

    [Fact]
    public void Stats_AccumulateIntoQuality_PeakLastAndViewerDrops()
    {
        var id = ConnectedCall();
        Stats(id, "a", 400, 60, Viewer(11, 0, 3));
        _rig.Advance(5);
        Stats(id, "a", 650, 64, Viewer(11, 1, 10));
        _rig.Advance(5);
        Stats(id, "a", 500, 62, Viewer(12, 0, 4)); // the peer's player reconnected: new viewer id, counters from 0
        var media = Call(id).Parties.A.Quality.Media!;
        Assert.Equal(new PartyMediaQuality(3, 500, 650, 62, 64, 15, 320, 240, 1, 14, 0, 0), media);
        Assert.Null(Call(id).Parties.B.Quality.Media);
        Assert.Empty(Call(id).Parties.A.Quality.Warnings);
    }

    [Fact]
    public void MediaQuality_IsInTheRecordWrittenAtTheEnd()
    {
        var id = ConnectedCall();
        Stats(id, "b", 300, 48, Viewer(10, 0, 2));
        _rig.Coordinator.Hangup(id, new ServiceActor());
        var saved = _rig.Store.Saved.Select(w => w.Call).Last(s => s.CallId == id);
        Assert.Equal("ended", saved.State.ToString().ToLowerInvariant());
        Assert.Equal(300, saved.MediaB!.LastVideoKbps);
        Assert.Equal(2, saved.MediaB.ViewerVideoDropped);
        Assert.Null(saved.MediaA);
    }
}

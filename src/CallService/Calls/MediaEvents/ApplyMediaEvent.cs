using CallContracts.Realtime;
using CallContracts.Streams;
using CallMedia.Events;
using CallMedia.Hosting;
using CallService.Calls.Live;
using CallService.Calls.MediaQuality;

namespace CallService.Calls.MediaEvents;

/// <summary>
/// The relay's view of a call's streams (DESIGN §3.1): publish/play start and stop move the call towards
/// <c>connected</c>; a publisher that goes away or stalls (connected but silent) runs the publisher-lost grace, and
/// coming back cancels it; statistics feed call quality and the <c>profile_exceeded</c> check. Events arrive in
/// order per call from <see cref="Media.CallMediaEventSink"/>.
/// </summary>
internal sealed class ApplyMediaEvent(CallTransaction calls, ProfileCheck profile, ILogger<ApplyMediaEvent> logger)
{
    public Task ApplyAsync(MediaEvent mediaEvent)
    {
        if (!StreamNames.TryParse(mediaEvent.StreamName, out var callId, out var role)) return Task.CompletedTask;
        return calls.ApplyAsync(callId, change => Apply(change, role, mediaEvent));
    }

    private void Apply(CallChange change, PartyRole role, MediaEvent mediaEvent)
    {
        var call = change.Call;
        var party = change.Entry.Party(role);
        switch (mediaEvent)
        {
            case PublishStarted started:
                party.PublisherLost.Cancel();
                call.PublishStarted(role, started.SessionId, change.Now);
                break;
            case PublishStopped stopped when call.PublishStopped(role, stopped.SessionId):
                StartPublisherLost(change, role);
                break;
            case PlayStarted play:
                call.PlayStarted(role, play.ViewerId, change.Now);
                break;
            case PlayStopped play:
                call.PlayStopped(role, play.ViewerId);
                break;
            case PublishStalled stalled when call.PublishStalled(role, stalled.SessionId):
                logger.LogInformation("Call {CallId}: publisher {Party} stalled ({SilentMs} ms without media)",
                    call.Id, role.ToWire(), stalled.SilentMs);
                StartPublisherLost(change, role);
                break;
            case PublishResumed resumed when call.PublishResumed(role, resumed.SessionId):
                logger.LogInformation("Call {CallId}: publisher {Party} resumed", call.Id, role.ToWire());
                party.PublisherLost.Cancel();
                break;
            case StreamStatsReported report when report.Stats.Live:
                call.ObserveMedia(role, Sample(report.Stats));
                profile.Check(change, role, report.Stats.VideoKbps);
                break;
        }
    }

    private void StartPublisherLost(CallChange change, PartyRole role)
    {
        var grace = change.Call.Timers.PublisherLostGrace;
        logger.LogInformation("Call {CallId}: publisher {Party} lost, grace {Grace}s", change.Call.Id, role.ToWire(), grace.TotalSeconds);
        change.Start(change.Entry.Party(role).PublisherLost, grace, (c, now) => c.PublisherLostExpired(role, now));
    }

    private static MediaSample Sample(MediaStreamStats s) => new(
        s.VideoKbps, s.AudioKbps, s.VideoFps, s.Width, s.Height,
        [.. s.Viewers.Select(v => (v.ViewerId, v.AudioDropped, v.VideoDropped))]);
}

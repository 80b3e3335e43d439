using CallContracts.Realtime;
using CallContracts.Streams;
using CallMedia.Events;
using CallMedia.Hosting;
using CallService.Calls.MediaQuality;

namespace CallService.Calls;

/// <summary>
/// The relay's health view of a call's streams: stalls (publisher connected but silent) run the publisher-lost
/// grace like a disappearance (DESIGN §3.1), statistics feed call quality and the <c>profile_exceeded</c> warning
/// (issue 4 §7). Runs under the entry lock, from <see cref="OnMediaEvent"/>.
/// </summary>
internal sealed partial class CallCoordinator
{
    /// <summary>A publisher's video bitrate above <c>maxBitrate × 1.5</c> for this long earns a warning.</summary>
    internal static readonly TimeSpan ProfileExceededAfter = TimeSpan.FromSeconds(10);

    internal const double ProfileExceededFactor = 1.5;

    private void OnStreamHealth(CallEntry entry, PartyRole role, MediaEvent mediaEvent, DateTimeOffset now)
    {
        var call = entry.Call;
        switch (mediaEvent)
        {
            case PublishStalled stalled when call.PublishStalled(role, stalled.SessionId):
                logger.LogInformation("Call {CallId}: publisher {Party} stalled ({SilentMs} ms without media)",
                    call.Id, role.ToWire(), stalled.SilentMs);
                StartPublisherLost(entry, role);
                break;
            case PublishResumed resumed when call.PublishResumed(role, resumed.SessionId):
                logger.LogInformation("Call {CallId}: publisher {Party} resumed", call.Id, role.ToWire());
                CancelPublisherLost(entry, role);
                break;
            case StreamStatsReported report when report.Stats.Live:
                var party = call.Party(role);
                party.Media.Observe(Sample(report.Stats));
                CheckProfile(entry, party, report.Stats.VideoKbps, now);
                break;
        }
    }

    /// <summary>
    /// RTC mode means the client must use the call's settings: a pusher whose video runs over its scenario's
    /// <c>maxBitrate</c> by 50 % for 10 s is told so itself (<c>call.peer_warning</c>, code <c>profile_exceeded</c>),
    /// debounced like peer warnings. <c>max-bitrate</c> of <c>&lt;live-pusher&gt;</c> caps the video encoder, so
    /// only the video bitrate is compared.
    /// </summary>
    private void CheckProfile(CallEntry entry, CallParty party, int videoKbps, DateTimeOffset now)
    {
        var media = party.Media;
        var max = Scenarios.Pusher(entry.Call.Scenario).MaxBitrate;
        if (videoKbps <= max * ProfileExceededFactor)
        {
            media.ExceededSince = null;
            return;
        }
        media.ExceededSince ??= now;
        var over = now - media.ExceededSince.Value;
        if (over < ProfileExceededAfter) return;
        if (media.LastProfileWarning is { } last && now - last < rules.PeerWarningDebounce) return;
        media.LastProfileWarning = now;
        media.CountProfileExceeded();
        logger.LogInformation("Call {CallId}: party {Party} video {Kbps} kbps over {Max} kbps × 1.5 for {Seconds} s",
            entry.Call.Id, party.Role.ToWire(), videoKbps, max, (int)over.TotalSeconds);
        hub.Publish(party.UserId, RealtimeEventTypes.PeerWarning, entry.Call.Id,
            new ProfileExceededData(ProfileExceededData.CodeName, "pusher", videoKbps, max, (int)over.TotalSeconds));
    }

    private static MediaSample Sample(MediaStreamStats s) => new(
        s.VideoKbps, s.AudioKbps, s.VideoFps, s.Width, s.Height,
        [.. s.Viewers.Select(v => (v.ViewerId, v.AudioDropped, v.VideoDropped))]);
}

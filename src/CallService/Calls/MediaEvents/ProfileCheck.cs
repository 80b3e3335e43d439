using CallContracts.Realtime;
using CallContracts.Streams;
using CallService.Calls.Live;
using CallService.Rules;

namespace CallService.Calls.MediaEvents;

/// <summary>
/// RTC mode means the client must use the call's settings: a pusher whose video runs over its scenario's
/// <c>maxBitrate</c> by 50 % for 10 s is told so itself (<c>call.peer_warning</c>, code <c>profile_exceeded</c>),
/// debounced like peer warnings. <c>max-bitrate</c> of <c>&lt;live-pusher&gt;</c> caps the video encoder, so only the
/// video bitrate is compared.
/// </summary>
internal sealed class ProfileCheck(HangupRules rules, ILogger<ProfileCheck> logger)
{
    /// <summary>A publisher's video bitrate above <c>maxBitrate × 1.5</c> for this long earns a warning.</summary>
    internal static readonly TimeSpan ExceededAfter = TimeSpan.FromSeconds(10);

    internal const double ExceededFactor = 1.5;

    public void Check(CallChange change, PartyRole role, int videoKbps)
    {
        var watch = change.Entry.Party(role);
        var now = change.Now;
        var max = Scenarios.Pusher(change.Call.Scenario).MaxBitrate;
        if (videoKbps <= max * ExceededFactor)
        {
            watch.ExceededSince = null;
            return;
        }
        watch.ExceededSince ??= now;
        var over = now - watch.ExceededSince.Value;
        if (over < ExceededAfter) return;
        if (watch.LastProfileWarning is { } last && now - last < rules.PeerWarningDebounce) return;
        watch.LastProfileWarning = now;
        change.Call.CountProfileExceeded(role);
        logger.LogInformation("Call {CallId}: party {Party} video {Kbps} kbps over {Max} kbps × 1.5 for {Seconds} s",
            change.Call.Id, role.ToWire(), videoKbps, max, (int)over.TotalSeconds);
        change.Publish(change.Call.Party(role).UserId, RealtimeEventTypes.PeerWarning,
            new ProfileExceededData(ProfileExceededData.CodeName, "pusher", videoKbps, max, (int)over.TotalSeconds));
    }
}

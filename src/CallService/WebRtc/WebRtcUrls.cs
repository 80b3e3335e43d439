using CallContracts.Calls;
using CallService.Media;
using Microsoft.Extensions.Options;

namespace CallService.WebRtc;

/// <summary>
/// The WHIP/WHEP URLs of a call's parties: <c>{base}/v1/calls/{callId}/webrtc/whip|whep</c> with the base from
/// <see cref="WebRtcOptions.PublicBaseUrl"/>, else the first HTTP address the service listens on. The party is the
/// token's user, so both parties' URLs are the same and carry no secret.
/// </summary>
internal sealed class WebRtcUrls(IOptions<WebRtcOptions> options, PublicMediaUrls media, WebRtcEngine engine)
{
    /// <summary>
    /// Null when WebRTC is off or the engine is known to be missing (asked at every view). The URLs themselves are built
    /// once per live call and kept on it (<see cref="Calls.Call.WebRtcUrls"/>) once the base is final: every answer and
    /// event with a party's URLs shows them (about eight per lifecycle), and each build was three strings and a record.
    /// </summary>
    public PartyWebRtc? For(Calls.Call call)
    {
        if (!options.Value.Enabled || engine.KnownProblem is not null) return null;
        if (call.WebRtcUrls is { } known) return known;
        var configured = options.Value.PublicBaseUrl is { Length: > 0 } c ? c.TrimEnd('/') : null;
        var root = configured ?? media.ServerBase(out _);
        var calls = $"{root}/v1/calls/{call.Id}/webrtc";
        var urls = new PartyWebRtc($"{calls}/whip", $"{calls}/whep");
        // Kept only once the base is final for good (the host had started: not a configured port 0), and not for an
        // ended call, which holds no more than its readers need.
        if ((configured is not null || media.ServerBaseKept) && !call.IsEnded) call.RememberWebRtcUrls(urls);
        return urls;
    }
}

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
    /// <summary>Null when WebRTC is off or the engine is known to be missing.</summary>
    public PartyWebRtc? For(string callId)
    {
        if (!options.Value.Enabled || engine.KnownProblem is not null) return null;
        var root = options.Value.PublicBaseUrl is { Length: > 0 } configured ? configured.TrimEnd('/') : media.ServerBase(out _);
        var calls = $"{root}/v1/calls/{callId}/webrtc";
        return new PartyWebRtc($"{calls}/whip", $"{calls}/whep");
    }
}

using CallContracts.Calls;
using CallContracts.Realtime;
using CallContracts.Streams;
using CallService.Auth;
using CallService.Calls.Live;
using CallService.Media;
using Microsoft.Extensions.Options;

namespace CallService.Calls;

/// <summary>Maps a <see cref="Call"/> to its wire shape for a given requester.</summary>
internal sealed class CallViews(PublicMediaUrls urls, IOptions<CallOptions> options, WebRtc.WebRtcUrls? webRtc = null)
{
    private readonly string _playFormat = options.Value.PlayFormat.Equals("flv", StringComparison.OrdinalIgnoreCase) ? "flv" : "rtmp";

    /// <summary>The service sees both parties' URLs; a party sees only its own (the peer's are null).</summary>
    public CallResponse Response(Call call, Actor viewer) => Response(call, viewer, default);

    /// <summary>
    /// <see cref="Response(Call, Actor)"/> as the answer to <paramref name="change"/>: when the change ended the call,
    /// the parties' URLs it let go of (<see cref="CallChange.UrlsAtEnd"/>) are shown as they were, not signed again
    /// (the same URLs: signing is a function of the call, its party and its expiry).
    /// </summary>
    public CallResponse Response(CallChange change, Actor viewer) => Response(change.Call, viewer, change.UrlsAtEnd);

    private CallResponse Response(Call call, Actor viewer, (PartyUrls? A, PartyUrls? B) known)
    {
        var own = viewer is UserActor user ? call.PartyOf(user.UserId)?.Role : null;
        bool Visible(PartyRole role) => viewer is ServiceActor || own == role;
        return new CallResponse(
            call.Id, call.State.ToWire(), call.Scenario, call.CreatedAt, call.AcceptedAt, call.ConnectedAt, call.EndedAt,
            call.EndReason?.ToWire(), call.EndedBy?.ToWire(), call.Code,
            new CallParties(Party(call, PartyRole.A, Visible(PartyRole.A), known.A), Party(call, PartyRole.B, Visible(PartyRole.B), known.B)));
    }

    /// <param name="call">The call.</param>
    /// <param name="role">The party.</param>
    /// <param name="withUrls">Whether the viewer sees the party's URLs.</param>
    /// <param name="known">The party's URLs already signed elsewhere (<see cref="CallChange.UrlsAtEnd"/>), if any.</param>
    public PartyView Party(Call call, PartyRole role, bool withUrls, PartyUrls? known = null)
    {
        var party = call.Party(role);
        var u = withUrls && party.UrlsIssued ? known ?? SignedUrls(call, party) : null;
        return new PartyView(party.UserId, u?.PushUrl, u?.PlayUrl, u?.PlayFlvUrl, _playFormat,
            Scenarios.Pusher(call.Scenario), Scenarios.Player, Quality(party), u is null ? null : webRtc?.For(call));
    }

    private PartyUrls SignedUrls(Call call, CallParty party)
    {
        if (party.SignedUrls is { } known) return known;
        var signed = urls.For(call.Id, party.Role, call.UrlsExpireAt);
        // Not while a base is still provisional (relay not bound yet), nor for an ended call: it stays in memory for
        // Calls:RetainEndedSeconds and its few later reads sign again rather than hold six URLs per call meanwhile.
        if (urls.BasesResolved && !call.IsEnded) party.SignedUrls = signed;
        return signed;
    }

    public PartyAssignment Assignment(Call call, PartyRole role) =>
        new(role.ToWire(), call.Party(role).UserId, call.Party(StreamNames.Peer(role)).UserId, Party(call, role, withUrls: true));

    public static PartyQuality Quality(CallParty party) => Quality(party.Warnings, party.StreamQuality);

    public static PartyQuality Quality(IReadOnlyDictionary<int, int> warnings, PartyMediaQuality? media = null) =>
        new(warnings.Count == 0 ? NoWarnings
            : warnings.OrderBy(w => w.Key).ToDictionary(w => w.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), w => w.Value), media);

    /// <summary>Shared by every view of a party without warnings (most of them): read-only, so nothing can add to it.</summary>
    private static readonly IReadOnlyDictionary<string, int> NoWarnings = System.Collections.Frozen.FrozenDictionary<string, int>.Empty;
}

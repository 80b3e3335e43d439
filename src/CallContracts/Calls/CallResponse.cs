using System.Text.Json.Serialization;
using CallContracts.Evidence;

namespace CallContracts.Calls;

/// <summary>
/// A call as returned by every call endpoint (camelCase JSON). Timestamps are ISO-8601 UTC.
/// </summary>
/// <param name="CallId">URL-safe id (no '-'), also the prefix of both stream names.</param>
/// <param name="State"><c>ringing</c>, <c>accepted</c>, <c>connected</c> or <c>ended</c>.</param>
/// <param name="Scenario">The scenario whose presets the pushers use.</param>
/// <param name="CreatedAt">When the call was created.</param>
/// <param name="AcceptedAt">When it was accepted (direct calls: creation time), else null.</param>
/// <param name="ConnectedAt">When both sides were publishing and playing, else null.</param>
/// <param name="EndedAt">When it ended, else null.</param>
/// <param name="EndReason"><c>hangup|rejected|cancelled|no_answer|busy|client_terminal_code|media_timeout|media_lost|max_duration|service_restart|node_lost</c>, else null.</param>
/// <param name="EndedBy"><c>a</c>, <c>b</c> or <c>system</c> once ended, else null.</param>
/// <param name="Code">The status code that ended the call, else null.</param>
/// <param name="Parties">Both parties' views. URLs are null when not (yet) issued or not visible to the requester.</param>
/// <param name="Evidence">The call's evidence (recordings, snapshots, consents, erasures) for the API key; absent for parties.</param>
public sealed record CallResponse(
    string CallId,
    string State,
    string Scenario,
    DateTimeOffset CreatedAt,
    DateTimeOffset? AcceptedAt,
    DateTimeOffset? ConnectedAt,
    DateTimeOffset? EndedAt,
    string? EndReason,
    string? EndedBy,
    int? Code,
    CallParties Parties,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] CallEvidenceView? Evidence = null);

/// <summary>The two parties of a call.</summary>
/// <param name="A">The caller.</param>
/// <param name="B">The callee.</param>
public sealed record CallParties(PartyView A, PartyView B);

/// <summary>One party's view: its own push URL, the peer's play URLs, and the component settings to use.</summary>
/// <param name="UserId">The party's user id.</param>
/// <param name="PushUrl"><c>&lt;live-pusher url&gt;</c>: RTMP URL of the party's own stream, signed with the push key.</param>
/// <param name="PlayUrl"><c>&lt;live-player src&gt;</c>: RTMP URL of the peer's stream, signed with the play key.</param>
/// <param name="PlayFlvUrl">The same peer stream over HTTP-FLV.</param>
/// <param name="PlayFormat">Which play URL the client should use: <c>rtmp</c> or <c>flv</c>.</param>
/// <param name="Pusher">Settings for <c>&lt;live-pusher&gt;</c>.</param>
/// <param name="Player">Settings for <c>&lt;live-player&gt;</c>.</param>
/// <param name="Quality">Warning counters reported by this party.</param>
/// <param name="WebRtc">Where this party's browser publishes (WHIP) and plays the peer (WHEP); null when the URLs are
/// not (yet) issued or not visible to the requester, or WebRTC is off on this server.</param>
public sealed record PartyView(
    string UserId,
    string? PushUrl,
    string? PlayUrl,
    string? PlayFlvUrl,
    string PlayFormat,
    PusherSettings Pusher,
    PlayerSettings Player,
    PartyQuality Quality,
    [property: System.Text.Json.Serialization.JsonPropertyName("webrtc")] PartyWebRtc? WebRtc = null);

/// <summary>A browser party's WebRTC endpoints (RFC 9725 WHIP, and WHEP for playing): <c>POST</c> an SDP offer with the
/// party's user token (<c>Authorization: Bearer</c>, <c>Content-Type: application/sdp</c>) → <c>201</c> with the answer.</summary>
/// <param name="WhipUrl">Publishes the party's camera and microphone as its stream (H.264 + Opus from the browser).</param>
/// <param name="WhepUrl">Plays the peer's stream (H.264 + Opus to the browser).</param>
public sealed record PartyWebRtc(string WhipUrl, string WhepUrl);

/// <summary><c>&lt;live-pusher&gt;</c> attributes. Bitrates in kbps (live-pusher docs' per-scenario table).</summary>
/// <param name="Mode">Always <c>RTC</c>.</param>
/// <param name="MinBitrate"><c>min-bitrate</c>, kbps.</param>
/// <param name="MaxBitrate"><c>max-bitrate</c>, kbps.</param>
/// <param name="AudioQuality"><c>audio-quality</c>: <c>high</c>.</param>
public sealed record PusherSettings(string Mode, int MinBitrate, int MaxBitrate, string AudioQuality);

/// <summary><c>&lt;live-player&gt;</c> attributes (live-player docs: RTC mode recommends min-cache 0.2 s, max-cache 0.8 s).</summary>
/// <param name="Mode">Always <c>RTC</c>.</param>
/// <param name="MinCache"><c>min-cache</c>, seconds.</param>
/// <param name="MaxCache"><c>max-cache</c>, seconds.</param>
public sealed record PlayerSettings(string Mode, double MinCache, double MaxCache);

/// <summary>Call quality of one party.</summary>
/// <param name="Warnings">Count of each reported warning code, keyed by the code as text (e.g. <c>"1101": 3</c>).</param>
/// <param name="Media">What the relay measured on this party's stream (see <see cref="PartyMediaQuality"/>); null until the relay reported it.</param>
public sealed record PartyQuality(IReadOnlyDictionary<string, int> Warnings, PartyMediaQuality? Media = null);

/// <summary>Body of <c>GET /v1/calls?state=active</c>.</summary>
/// <param name="Calls">Non-ended calls, oldest first.</param>
public sealed record CallList(IReadOnlyList<CallResponse> Calls);

using CallContracts.Calls;
using CallContracts.Streams;

namespace CallContracts.Realtime;

/// <summary>
/// A server → client frame on <c>/v1/ws</c>:
/// <c>{"seq":N,"type":"call.ended","callId":"…","at":"ISO-8601","data":{…}}</c>.
/// <see cref="Seq"/> counts per user (all of a user's sockets see the same numbers), so a client can
/// <c>{"type":"resume","afterSeq":N}</c> after reconnecting.
/// </summary>
/// <param name="Seq">Per-user sequence number, starting at 1.</param>
/// <param name="Type">One of <see cref="RealtimeEventTypes"/>.</param>
/// <param name="CallId">The call concerned.</param>
/// <param name="At">When the server produced the event.</param>
/// <param name="Data">Type-specific payload.</param>
public sealed record RealtimeEvent(long Seq, string Type, string CallId, DateTimeOffset At, object Data);

/// <summary>Event type names.</summary>
public static class RealtimeEventTypes
{
    /// <summary>To the callee of a ringing call; data = <see cref="IncomingCallData"/>.</summary>
    public const string Incoming = "call.incoming";
    /// <summary>To both parties on accept (and on creation of a direct call); data = <see cref="PartyAssignment"/>.</summary>
    public const string Accepted = "call.accepted";
    /// <summary>To both parties when both streams are published and played; data = <c>{}</c>.</summary>
    public const string Connected = "call.connected";
    /// <summary>
    /// To the peer of a party that reported a warning (at most once per code per 5 s); data = <see cref="PeerWarningData"/>.
    /// Also to a publisher itself whose bitrate exceeds its profile; data = <see cref="ProfileExceededData"/>.
    /// </summary>
    public const string PeerWarning = "call.peer_warning";
    /// <summary>To both parties (busy: the caller only) when the call ends; data = <see cref="EndedData"/>.</summary>
    public const string Ended = "call.ended";
}

/// <summary>Data of <c>call.incoming</c>.</summary>
/// <param name="CallId">The call.</param>
/// <param name="Caller">The caller's user id.</param>
/// <param name="Scenario">The scenario.</param>
/// <param name="RingTimeoutSeconds">How long the call rings.</param>
public sealed record IncomingCallData(string CallId, string Caller, string Scenario, int RingTimeoutSeconds);

/// <summary>Data of <c>call.accepted</c>: what this party needs to start its pusher and player.</summary>
/// <param name="Role"><c>a</c> or <c>b</c>.</param>
/// <param name="UserId">This party.</param>
/// <param name="PeerUserId">The other party.</param>
/// <param name="View">URLs and component settings for this party.</param>
public sealed record PartyAssignment(string Role, string UserId, string PeerUserId, PartyView View);

/// <summary>Data of <c>call.peer_warning</c>.</summary>
/// <param name="Code">The warning code the peer reported (e.g. 1101).</param>
/// <param name="Component"><c>pusher</c> or <c>player</c>.</param>
public sealed record PeerWarningData(int Code, string Component);

/// <summary>
/// Data of <c>call.peer_warning</c> sent by the service itself (not a peer's report) to the publisher whose video
/// bitrate exceeded its scenario's <c>maxBitrate</c> by 50 % for 10 s: <c>{"code":"profile_exceeded",…}</c>.
/// It goes to the offending party because only its own pusher can fix it (RTC mode: use the call's settings).
/// </summary>
/// <param name="Code">Always <c>profile_exceeded</c>.</param>
/// <param name="Component">Always <c>pusher</c>.</param>
/// <param name="VideoKbps">The measured video bitrate (5 s average), kbit/s.</param>
/// <param name="MaxBitrate">The scenario's <c>maxBitrate</c>, kbit/s.</param>
/// <param name="Seconds">How long the bitrate has been over 1.5 × <paramref name="MaxBitrate"/>, seconds.</param>
public sealed record ProfileExceededData(string Code, string Component, int VideoKbps, int MaxBitrate, int Seconds)
{
    /// <summary>The <c>code</c> value.</summary>
    public const string CodeName = "profile_exceeded";
}

/// <summary>Data of <c>call.ended</c>.</summary>
/// <param name="Reason">End reason.</param>
/// <param name="EndedBy"><c>a</c>, <c>b</c> or <c>system</c>.</param>
/// <param name="Code">Status code that ended the call, else null.</param>
public sealed record EndedData(string Reason, string EndedBy, int? Code);

/// <summary>Wire names of roles.</summary>
public static class PartyRoleNames
{
    /// <summary><c>a</c> or <c>b</c>.</summary>
    public static string ToWire(this PartyRole role) => role == PartyRole.A ? "a" : "b";
}

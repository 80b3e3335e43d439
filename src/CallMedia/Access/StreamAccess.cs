using System.Net;

namespace CallMedia.Access;

/// <summary>What a client asks the relay to do with a stream.</summary>
public enum MediaAction
{
    /// <summary>RTMP <c>publish</c>.</summary>
    Publish,
    /// <summary>RTMP <c>play</c> or HTTP-FLV <c>GET</c>.</summary>
    Play,
}

/// <summary>How a viewer or publisher is connected.</summary>
public enum MediaTransport
{
    /// <summary>RTMP over TCP.</summary>
    Rtmp,
    /// <summary>HTTP-FLV (chunked HTTP response).</summary>
    HttpFlv,
}

/// <summary>
/// A publish or play attempt presented to <see cref="IStreamAccessPolicy"/>.
/// </summary>
/// <param name="Action">Publish or play.</param>
/// <param name="App">RTMP application (or HTTP path segment), normally <c>live</c>.</param>
/// <param name="StreamName">Stream name without query, e.g. <c>{callId}-a</c>.</param>
/// <param name="Query">Raw query string (without '?'), carrying <c>txSecret</c> and <c>txTime</c>; may be empty.</param>
/// <param name="Transport">RTMP or HTTP-FLV.</param>
/// <param name="Remote">Client address, for logs.</param>
public sealed record StreamAccessRequest(
    MediaAction Action, string App, string StreamName, string Query, MediaTransport Transport, EndPoint? Remote);

/// <summary>The policy's answer. When refused, <see cref="Reason"/> is a short log-safe text (no secrets).</summary>
/// <param name="Allowed">True to let the client publish/play.</param>
/// <param name="Reason">Why it was refused (e.g. <c>expired</c>, <c>bad_signature</c>, <c>call_ended</c>).</param>
public sealed record StreamAccessDecision(bool Allowed, string Reason)
{
    /// <summary>An allowing decision.</summary>
    public static readonly StreamAccessDecision Allow = new(true, "ok");

    /// <summary>A refusing decision with a reason.</summary>
    public static StreamAccessDecision Deny(string reason) => new(false, reason);
}

/// <summary>
/// Decides whether a publish or play may proceed. Implemented by the coordinator (signature + call state);
/// a stand-alone relay can use a signature-only policy. Called once per publish/play attempt; must be fast
/// and must not throw (return a denial instead).
/// </summary>
public interface IStreamAccessPolicy
{
    /// <summary>Authorizes <paramref name="request"/>.</summary>
    ValueTask<StreamAccessDecision> AuthorizeAsync(StreamAccessRequest request, CancellationToken cancellationToken);
}

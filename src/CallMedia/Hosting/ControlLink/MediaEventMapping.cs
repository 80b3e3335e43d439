using System.Net;
using CallMedia.Events;

namespace CallMedia.Hosting.ControlLink;

/// <summary>Media events and access requests to and from their wire form (<see cref="MediaEventData"/>, <see cref="AccessRequestData"/>).</summary>
public static class MediaEventMapping
{
    /// <summary>The wire form of <paramref name="e"/>; null for an event type this channel does not carry.</summary>
    public static MediaEventData? ToData(MediaEvent e) => e switch
    {
        PublishStarted s => new(nameof(PublishStarted), s.StreamName, s.At, s.SessionId, Remote: s.Remote?.ToString()),
        PublishStopped s => new(nameof(PublishStopped), s.StreamName, s.At, s.SessionId, s.Reason),
        PlayStarted s => new(nameof(PlayStarted), s.StreamName, s.At, s.ViewerId, Transport: s.Transport),
        PlayStopped s => new(nameof(PlayStopped), s.StreamName, s.At, s.ViewerId, s.Reason),
        PublishStalled s => new(nameof(PublishStalled), s.StreamName, s.At, s.SessionId, SilentMs: s.SilentMs),
        PublishResumed s => new(nameof(PublishResumed), s.StreamName, s.At, s.SessionId),
        StreamStatsReported s => new(nameof(StreamStatsReported), s.StreamName, s.At, Stats: s.Stats),
        _ => null,
    };

    /// <summary>The event <paramref name="d"/> carries; null for an unknown type.</summary>
    public static MediaEvent? FromData(MediaEventData d) => d.Type switch
    {
        nameof(PublishStarted) => new PublishStarted(d.StreamName, d.At, d.Id, ParseEndPoint(d.Remote)),
        nameof(PublishStopped) => new PublishStopped(d.StreamName, d.At, d.Id, d.Reason ?? "closed"),
        nameof(PlayStarted) => new PlayStarted(d.StreamName, d.At, d.Id, d.Transport),
        nameof(PlayStopped) => new PlayStopped(d.StreamName, d.At, d.Id, d.Reason ?? "closed"),
        nameof(PublishStalled) => new PublishStalled(d.StreamName, d.At, d.Id, d.SilentMs),
        nameof(PublishResumed) => new PublishResumed(d.StreamName, d.At, d.Id),
        nameof(StreamStatsReported) when d.Stats is { } stats => new StreamStatsReported(d.StreamName, d.At, stats),
        _ => null,
    };

    /// <summary>The wire form of an access request.</summary>
    public static AccessRequestData ToData(Access.StreamAccessRequest r) =>
        new(r.Action, r.App, r.StreamName, r.Query, r.Transport, r.Remote?.ToString());

    /// <summary>The access request <paramref name="d"/> carries.</summary>
    public static Access.StreamAccessRequest FromData(AccessRequestData d) =>
        new(d.Action, d.App, d.StreamName, d.Query, d.Transport, ParseEndPoint(d.Remote));

    /// <summary><c>address:port</c> (IPv6 in brackets) → endpoint; null when absent or not an IP endpoint.</summary>
    public static IPEndPoint? ParseEndPoint(string? text) => text is not null && IPEndPoint.TryParse(text, out var endPoint) ? endPoint : null;
}

using System.Net;
using CallMedia.Access;

namespace CallMedia.Events;

/// <summary>Something the relay saw happen to a stream. Delivered to every <see cref="IMediaEventSink"/>.</summary>
/// <param name="StreamName">Stream name, e.g. <c>{callId}-a</c>.</param>
/// <param name="At">When the relay observed it.</param>
public abstract record MediaEvent(string StreamName, DateTimeOffset At);

/// <summary>A publisher started publishing (<c>NetStream.Publish.Start</c> sent).</summary>
/// <param name="SessionId">Relay-unique id of the publishing connection.</param>
/// <param name="Remote">Publisher address.</param>
/// <param name="StreamName">Stream name, e.g. <c>{callId}-a</c>.</param>
/// <param name="At">When the relay observed it.</param>
public sealed record PublishStarted(string StreamName, DateTimeOffset At, long SessionId, EndPoint? Remote)
    : MediaEvent(StreamName, At);

/// <summary>A publisher stopped (deleteStream/FCUnpublish, TCP closed, kicked, replaced, or no media).</summary>
/// <param name="SessionId">Id of the publishing connection that stopped.</param>
/// <param name="Reason">Short reason: <c>unpublish</c>, <c>closed</c>, <c>kicked</c>, <c>replaced</c>, <c>stalled</c>.</param>
/// <param name="StreamName">Stream name, e.g. <c>{callId}-a</c>.</param>
/// <param name="At">When the relay observed it.</param>
public sealed record PublishStopped(string StreamName, DateTimeOffset At, long SessionId, string Reason)
    : MediaEvent(StreamName, At);

/// <summary>A viewer started playing.</summary>
/// <param name="ViewerId">Relay-unique id of the viewer.</param>
/// <param name="Transport">RTMP or HTTP-FLV.</param>
/// <param name="StreamName">Stream name, e.g. <c>{callId}-a</c>.</param>
/// <param name="At">When the relay observed it.</param>
public sealed record PlayStarted(string StreamName, DateTimeOffset At, long ViewerId, MediaTransport Transport)
    : MediaEvent(StreamName, At);

/// <summary>A viewer stopped playing (closed, kicked, or too slow).</summary>
/// <param name="ViewerId">Id of the viewer.</param>
/// <param name="Reason">Short reason: <c>closed</c>, <c>kicked</c>, <c>too_slow</c>.</param>
/// <param name="StreamName">Stream name, e.g. <c>{callId}-a</c>.</param>
/// <param name="At">When the relay observed it.</param>
public sealed record PlayStopped(string StreamName, DateTimeOffset At, long ViewerId, string Reason)
    : MediaEvent(StreamName, At);

/// <summary>
/// Receives relay events. Called synchronously on relay threads: implementations must be fast and must
/// not throw or block (queue work elsewhere).
/// </summary>
public interface IMediaEventSink
{
    /// <summary>Handles one event.</summary>
    void OnMediaEvent(MediaEvent mediaEvent);
}

/// <summary>
/// A live publisher has sent no media for <c>Media:PublisherStaleMs</c>: its network probably dropped. It may be
/// replaced by a new publish of the same stream (stale takeover); the coordinator may start its publisher-lost grace.
/// </summary>
/// <param name="SessionId">Id of the silent publishing connection.</param>
/// <param name="SilentMs">Milliseconds since its last media message.</param>
/// <param name="StreamName">Stream name, e.g. <c>{callId}-a</c>.</param>
/// <param name="At">When the relay observed it.</param>
public sealed record PublishStalled(string StreamName, DateTimeOffset At, long SessionId, int SilentMs)
    : MediaEvent(StreamName, At);

/// <summary>A publisher reported in <see cref="PublishStalled"/> sends media again.</summary>
/// <param name="SessionId">Id of the publishing connection.</param>
/// <param name="StreamName">Stream name, e.g. <c>{callId}-a</c>.</param>
/// <param name="At">When the relay observed it.</param>
public sealed record PublishResumed(string StreamName, DateTimeOffset At, long SessionId)
    : MediaEvent(StreamName, At);

/// <summary>Statistics of a live stream and its viewers, every <c>Media:StatsIntervalMs</c>.</summary>
/// <param name="Stats">Bitrates, fps, key frame interval, codec info, per-viewer counters.</param>
/// <param name="StreamName">Stream name, e.g. <c>{callId}-a</c>.</param>
/// <param name="At">When the relay observed it.</param>
public sealed record StreamStatsReported(string StreamName, DateTimeOffset At, Hosting.MediaStreamStats Stats)
    : MediaEvent(StreamName, At);

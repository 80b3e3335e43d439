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

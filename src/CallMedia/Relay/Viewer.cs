using System.Net;
using CallMedia.Access;
using CallMedia.Delivery;
using CallMedia.Media;

namespace CallMedia.Relay;

/// <summary>
/// One viewer of a stream (an RTMP play or an HTTP-FLV response) with its own bounded queue; its
/// connection's <see cref="ViewerWriter"/> drains the queue, so a slow viewer only ever fills its own queue.
/// </summary>
internal sealed class Viewer(long id, string streamName, MediaTransport transport, EndPoint? remote, ViewerQueue queue)
{
    private static long s_nextId;

    public static long NextId() => Interlocked.Increment(ref s_nextId);

    public long Id { get; } = id;

    public string StreamName { get; } = streamName;

    public MediaTransport Transport { get; } = transport;

    public EndPoint? Remote { get; } = remote;

    public ViewerQueue Queue { get; } = queue;

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>True until the viewer got its first start point (used to release audio-only streams at once).</summary>
    internal bool StartPending;

    /// <summary>True from a publisher switch until the new publisher's first key frame reached this playing viewer.</summary>
    internal bool ResumesAfterPublisherSwitch;

    /// <summary>Set once when the viewer left the stream (guards double stop events).</summary>
    internal int Ended;

    /// <summary>
    /// The fan-out wake list this viewer is on (the fanning thread's, until its writer is woken), so a batch of fan-outs
    /// (<see cref="RelayStream.BeginWakeBatch"/>) lists it once. Set under the stream's lock, cleared by the fanning thread.
    /// </summary>
    internal ShortList<Viewer>? WakeList;

    /// <summary>
    /// Transport-specific end-of-stream notice queued before the queue completes (RTMP:
    /// <c>NetStream.Play.UnpublishNotify</c> + StreamEOF). The HTTP-FLV writer just ends the response.
    /// </summary>
    public Action<Viewer>? EndOfStreamNotice { get; init; }

    /// <summary>Called after the queue completed, e.g. to abort a connection whose writer may be stuck (too slow).</summary>
    public Action<Viewer, DisconnectReason>? OnEnded { get; init; }

    /// <summary>Ends the viewer: optional notice, then the writer drains and closes the connection.</summary>
    public void End(DisconnectReason reason, bool notify)
    {
        if (notify)
            EndOfStreamNotice?.Invoke(this);
        Queue.Complete(reason);
        OnEnded?.Invoke(this, reason);
    }
}

using System.Diagnostics;
using RtmpTestClient.Flv;

namespace RtmpTestClient.Recording;

/// <summary>
/// One message a player received: kind, timestamp (ms), payload size, keyframe / sequence-header flags and the
/// arrival time as <see cref="Stopwatch.GetTimestamp"/> ticks (same clock as <see cref="SentMessage.SentTicks"/>).
/// </summary>
public readonly record struct ReceivedMessage(
    MediaKind Kind, uint Timestamp, int Size, bool IsKeyframe, bool IsSequenceHeader, long ArrivalTicks)
{
    /// <summary>Builds a record from a tag or media message arriving now.</summary>
    public static ReceivedMessage From(MediaKind kind, uint timestamp, ReadOnlySpan<byte> payload, long arrivalTicks) =>
        new(kind, timestamp, payload.Length, MediaPayload.IsKeyframe(kind, payload),
            MediaPayload.IsSequenceHeader(kind, payload), arrivalTicks);
}

/// <summary>One media message a publisher sent, with the <see cref="Stopwatch.GetTimestamp"/> ticks just before the socket write.</summary>
public readonly record struct SentMessage(
    MediaKind Kind, uint Timestamp, int Size, bool IsKeyframe, bool IsSequenceHeader, long SentTicks);

/// <summary>The key that matches a played message to its published twin: kind + timestamp (unique per kind in a stream).</summary>
public readonly record struct MessageKey(MediaKind Kind, uint Timestamp);

/// <summary>Thread-safe append-only log of received messages.</summary>
public sealed class MessageRecorder
{
    private readonly List<ReceivedMessage> _messages = [];
    private readonly TaskCompletionSource _firstMedia = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the first audio or video message arrives.</summary>
    public Task FirstMedia => _firstMedia.Task;

    /// <summary>Number of messages recorded so far.</summary>
    public int Count
    {
        get
        {
            lock (_messages)
                return _messages.Count;
        }
    }

    /// <summary>Appends one message.</summary>
    public void Add(in ReceivedMessage message)
    {
        lock (_messages)
            _messages.Add(message);
        if (message.Kind is MediaKind.Audio or MediaKind.Video)
            _firstMedia.TrySetResult();
    }

    /// <summary>A copy of everything recorded so far, in arrival order.</summary>
    public IReadOnlyList<ReceivedMessage> Snapshot()
    {
        lock (_messages)
            return _messages.ToArray();
    }
}

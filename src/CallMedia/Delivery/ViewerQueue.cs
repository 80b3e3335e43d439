using CallMedia.Media;
using CallMedia.Relay;

namespace CallMedia.Delivery;

/// <summary>What happened to a media message offered to a viewer's queue.</summary>
internal enum OfferResult
{
    Queued,
    Dropped,
    /// <summary>The viewer is past the hard bound (or cannot take an essential message): disconnect it.</summary>
    TooSlow,
    Closed,
}

/// <summary>
/// A connection's outbound queue: the publisher thread offers (never blocks), one <see cref="ViewerWriter"/> drains.
/// Each offered media message goes through the viewer's <see cref="DropPolicy"/>, fed with the stream and link
/// estimates of its <see cref="LinkEstimator"/>; control items (RTMP commands, protocol control) always queue.
/// </summary>
internal sealed partial class ViewerQueue
{
    private readonly Lock _lock = new();
    private readonly List<DeliveryItem> _items = new();
    private readonly WriterWakeup _wakeup = new();
    private readonly TimeProvider _time;
    private readonly DropPolicy _policy;
    private readonly LinkEstimator _link = new();
    private bool _acksWanted; // a small Window Acknowledgement Size is announced (OnPeerAcknowledged)
    private int _head;
    private long _bytes;
    private long _videoBytes;
    private int _audioCount;
    private bool _completed;
    private bool _cleared;
    private int _completionReason;

    /// <param name="limits">Drop thresholds.</param>
    /// <param name="time">The relay's clock.</param>
    /// <param name="atomicMessages">Messages go out whole (HTTP-FLV tags), see <see cref="DropPolicy.AtomicMessages"/>.</param>
    public ViewerQueue(DropLimits limits, TimeProvider? time = null, bool atomicMessages = false)
    {
        _time = time ?? TimeProvider.System;
        _policy = new DropPolicy(limits, atomicMessages);
    }

    public ViewerCounters Counters { get; } = new();

    /// <summary>Why the queue completed (<see cref="DisconnectReason.None"/> while open).</summary>
    public DisconnectReason CompletionReason => (DisconnectReason)Volatile.Read(ref _completionReason);

    public bool IsCompleted { get { lock (_lock) return _completed; } }

    /// <summary>True while video is suppressed until the next key frame (after a drop or a start).</summary>
    public bool VideoWaitsForKeyFrame { get { lock (_lock) return _policy.VideoWaitsForKeyFrame; } }

    /// <summary>Set by the writer: what it still has to send of a video message it sends in parts (backlog outside this queue).</summary>
    public int WriterPendingVideoBytes
    {
        get => Volatile.Read(ref _writerPendingVideoBytes);
        set => Volatile.Write(ref _writerPendingVideoBytes, value);
    }

    private int _writerPendingVideoBytes;

    /// <summary>The relay's clock.</summary>
    public TimeProvider Time => _time;

    public long NowMs => _time.GetMilliseconds();

    public bool EnqueueControl(DeliveryItem item)
    {
        lock (_lock)
        {
            if (_completed)
            {
                item.Payload.Release();
                return false;
            }
            Add(item with { EnqueuedAt = NowMs });
        }
        _wakeup.Wake(inline: false);
        return true;
    }

    /// <summary>
    /// A new publisher took over the stream: video waits for its first key frame (without counting a drop), and the
    /// viewer's read rate is measured anew. The old measure describes another stream, before an outage in which the
    /// viewer was idle; kept, a rate taken while the player was starting up (slow for a moment on a busy machine) would
    /// count as a slow link and drop the new publisher's first key frame, freezing the picture for a GOP.
    /// </summary>
    public void RestartAfterPublisherSwitch()
    {
        lock (_lock)
        {
            _policy.RequireKeyFrame();
            _link.ForgetReadRate();
        }
    }

    /// <summary>Holds audio and video back until the next key frame, so both start from the same point.</summary>
    public void BeginAtKeyFrame()
    {
        lock (_lock) _policy.BeginAtKeyFrame();
    }

    /// <summary>Releases a pending start at once (audio-only streams).</summary>
    public void StartNow()
    {
        lock (_lock) _policy.StartNow();
    }

    /// <summary>
    /// Offers a media message; on <see cref="OfferResult.Queued"/> the queue holds its own reference
    /// (the caller keeps its reference either way). The writer is woken at once (queued to the thread pool) unless
    /// <paramref name="wakeLater"/>: then the caller calls <see cref="WakeWriter"/> once it holds no lock (the
    /// publisher's fan-out, which then writes inline).
    /// </summary>
    public OfferResult Offer(in MediaPacket packet, bool wakeLater = false) => Offer(packet, NowMs, wakeLater);

    /// <summary>
    /// <see cref="Offer(in MediaPacket, bool)"/> at <paramref name="now"/>: milliseconds of this queue's <see cref="Time"/>
    /// read by the caller (the fan-out reads the clock once per message for the stream and all its viewers).
    /// </summary>
    public OfferResult Offer(in MediaPacket packet, long now, bool wakeLater)
    {
        OfferResult result;
        lock (_lock)
        {
            if (_completed)
                return OfferResult.Closed;
            _link.OnOffered(packet);
            var view = View(packet.Timestamp, now);
            var decision = _policy.Decide(packet, view, _link, now);
            var queueMs = DropPolicy.QueueMs(view.MediaMs, _link);
            Counters.QueueMs = queueMs;
            if (queueMs > Counters.MaxQueueMs) Counters.MaxQueueMs = queueMs;
            if (queueMs > Counters.WindowMaxQueueMs) Counters.WindowMaxQueueMs = queueMs;
            if (decision.PurgeQueuedVideo)
                PurgeQueuedVideo();
            result = decision.Verdict switch
            {
                DropVerdict.Queue => OfferResult.Queued,
                DropVerdict.TooSlow => OfferResult.TooSlow,
                _ => OfferResult.Dropped,
            };
            if (decision.Verdict == DropVerdict.Drop && packet.IsVideo)
                Counters.VideoDropped++;
            if (result == OfferResult.Queued)
                Add(DeliveryItem.Media(packet, now));
        }
        if (result == OfferResult.Queued)
        {
            if (wakeLater)
                Volatile.Write(ref _wakePending, 1);
            else
                _wakeup.Wake(inline: false);
        }
        return result;
    }

    private int _wakePending;

    /// <summary>
    /// Wakes the writer for what <see cref="Offer(in MediaPacket, long, bool)"/> queued with <c>wakeLater</c> (nothing when
    /// nothing was). Inline: when the writer is idle (its queue was empty), this thread runs its next write — the gate's
    /// look, framing and one send — and returns once the writer waits again or its send could not complete at once (the
    /// socket's completion then carries on); a busy writer picks the items up itself. Call it holding no lock.
    /// </summary>
    public void WakeWriter(bool inline)
    {
        if (Interlocked.Exchange(ref _wakePending, 0) == 1)
            _wakeup.Wake(inline);
    }

    /// <summary>Ends the queue: nothing more is accepted; the writer sends what is queued, then stops.</summary>
    public void Complete(DisconnectReason reason)
    {
        lock (_lock)
        {
            if (_completed) return;
            _completed = true;
            Interlocked.CompareExchange(ref _completionReason, (int)reason, 0);
        }
        _wakeup.Wake(inline: false);
    }

    /// <summary>
    /// Waits for the writer's next wake-up without an await (<see cref="WriterWakeup.WaitThen"/>): false when one came
    /// since its last wait, else true and <paramref name="onWake"/>(<paramref name="state"/>) runs at the wake-up —
    /// inline on the waking thread for <see cref="WakeWriter"/>(inline: true). Cancelling the token wakes it too; the
    /// writer checks the token.
    /// </summary>
    public bool WaitForWakeThen(CancellationToken cancellationToken, Action<object?> onWake, object? state) =>
        _wakeup.WaitThen(cancellationToken, onWake, state);

    /// <summary>The writer ended (called by it): its wake-up lets go of the writer's cancellation token.</summary>
    public void OnWriterEnded() => _wakeup.StopWatchingCancellation();

    /// <summary>Releases everything still queued (connection gone).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            for (var i = _head; i < _items.Count; i++)
                _items[i].Payload.Release();
            _items.Clear();
            _head = 0;
            _bytes = _videoBytes = 0;
            _audioCount = 0;
            _completed = true;
            _cleared = true;
            Interlocked.CompareExchange(ref _completionReason, (int)DisconnectReason.Closed, 0);
        }
        _wakeup.Wake(inline: false);
    }

    private QueueView View(uint newestTimestamp, long now)
    {
        int mediaMs = -1, withoutVideo = -1;
        for (var i = _head; i < _items.Count && withoutVideo < 0; i++)
        {
            var item = _items[i];
            if (item.IsControl) continue;
            var span = Math.Max(unchecked((int)(newestTimestamp - item.Timestamp)), 0);
            var waited = (int)Math.Min(int.MaxValue, now - item.EnqueuedAt);
            var ms = Math.Min(span, waited);
            if (mediaMs < 0) mediaMs = ms;
            if (!item.IsDroppableVideo) withoutVideo = ms;
        }
        var headAge = 0;
        for (var i = _head; i < _items.Count; i++)
        {
            if (_items[i].IsDroppableVideo) continue;
            headAge = (int)Math.Min(int.MaxValue, now - _items[i].EnqueuedAt);
            break;
        }
        return new QueueView(_bytes, _videoBytes, Math.Max(mediaMs, 0), Math.Max(withoutVideo, 0), headAge, WriterPendingVideoBytes);
    }

    private void Add(DeliveryItem item)
    {
        _items.Add(item);
        Added(item);
    }

    private void Added(in DeliveryItem item)
    {
        _bytes += item.Payload.Length;
        if (item.IsDroppableVideo) _videoBytes += item.Payload.Length;
        if (item.IsAudio) _audioCount++;
    }

    private void Removed(in DeliveryItem item)
    {
        _bytes -= item.Payload.Length;
        if (item.IsDroppableVideo) _videoBytes -= item.Payload.Length;
        if (item.IsAudio) _audioCount--;
    }

    private void PurgeQueuedVideo()
    {
        var write = _head;
        for (var read = _head; read < _items.Count; read++)
        {
            var item = _items[read];
            if (item.IsDroppableVideo)
            {
                Removed(item);
                item.Payload.Release();
                Counters.VideoDropped++;
                continue;
            }
            _items[write++] = item;
        }
        _items.RemoveRange(write, _items.Count - write);
    }
}

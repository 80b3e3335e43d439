using CallMedia.Media;

namespace CallMedia.Delivery;

/// <summary>The writer's side of the queue: taking items (audio first), putting back, and the link samples.</summary>
internal sealed partial class ViewerQueue
{
    /// <summary>
    /// What the writer does next without waiting: true when items are queued, false once the queue completed and is
    /// empty (the writer ends), null when it must wait for a wake-up (<see cref="WaitForWakeThen"/>, then ask again).
    /// </summary>
    public bool? TryReady() => TryReady(out _);

    /// <summary>
    /// <see cref="TryReady()"/>, and with it (same lock round trip) the size of the first queued item that is not audio
    /// (0 when none): what the next in-order write needs.
    /// </summary>
    public bool? TryReady(out int nextNonAudioBytes)
    {
        nextNonAudioBytes = 0;
        // Empty as last seen, without the lock. Only an add puts items after the head, and every add is followed by a
        // wake-up (Offer's, EnqueueControl's; Offer with wakeLater once the fan-out calls WakeWriter; Complete and Clear
        // wake too), so a stale "empty" ends the writer's wait at once and it asks again; removals by other threads
        // (PurgeQueuedVideo, Clear) only make the queue emptier.
        if (_head >= _items.Count && !Volatile.Read(ref _completed))
            return null;
        lock (_lock)
        {
            if (_head < _items.Count)
            {
                for (var i = _head; i < _items.Count; i++)
                {
                    if (!_items[i].IsAudio)
                    {
                        nextNonAudioBytes = Math.Max(_items[i].Payload.Length, 1);
                        break;
                    }
                }
                return true;
            }
            if (_completed) return false;
        }
        return null;
    }

    /// <summary>Moves up to <paramref name="maxBytes"/> of queued items (at least one) into <paramref name="batch"/>, in order.</summary>
    public void Drain(List<DeliveryItem> batch, int maxBytes, int maxItems)
    {
        lock (_lock)
            DrainLocked(batch, maxBytes, maxItems);
    }

    /// <summary>
    /// One wake-up's take in one lock round trip: queued audio as <see cref="DrainAudio"/> (up to
    /// <paramref name="audioMaxBytes"/>), then, when <paramref name="inOrderMaxBytes"/> is above 0, the rest in order as
    /// <see cref="Drain"/>; the items go into <paramref name="batch"/> in that order (at most <paramref name="maxItems"/> in
    /// all). Returns the batch's count after the audio was taken (the writer's batch comes empty: how many are audio).
    /// </summary>
    public int DrainForWrite(List<DeliveryItem> batch, int audioMaxBytes, int inOrderMaxBytes, int maxItems)
    {
        lock (_lock)
        {
            DrainAudioLocked(batch, audioMaxBytes, maxItems);
            var audio = batch.Count;
            if (inOrderMaxBytes > 0)
                DrainLocked(batch, inOrderMaxBytes, maxItems);
            return audio;
        }
    }

    private void DrainLocked(List<DeliveryItem> batch, int maxBytes, int maxItems)
    {
        var taken = 0;
        while (_head < _items.Count && batch.Count < maxItems && (taken == 0 || taken + _items[_head].Payload.Length <= maxBytes))
        {
            var item = _items[_head];
            _items[_head++] = default;
            if (item.Class == FrameClass.VideoSequenceHeader && !item.IsControl)
                _videoHeadersTaken++;
            Removed(item);
            taken += item.Payload.Length;
            batch.Add(item);
            CountSent(item, 1);
        }
        if (_head == _items.Count)
        {
            _items.Clear();
            _head = 0;
        }
    }

    /// <summary>
    /// Takes queued audio (up to <paramref name="maxBytes"/>) from ahead of the first item audio must not overtake
    /// (<see cref="HoldsAudio"/>), leaving video in place: audio overtakes queued video and the rest of a large video
    /// message that is being sent in parts. Players demux per track, so audio arriving before older video is fine.
    /// Returns the bytes taken.
    /// </summary>
    public int DrainAudio(List<DeliveryItem> batch, int maxBytes, int maxItems)
    {
        lock (_lock)
            return DrainAudioLocked(batch, maxBytes, maxItems);
    }

    private int DrainAudioLocked(List<DeliveryItem> batch, int maxBytes, int maxItems)
    {
        var taken = 0;
        var write = _head;
        var read = _head;
        for (; read < _items.Count; read++)
        {
            var item = _items[read];
            if (HoldsAudio(item))
                break;
            if (item.IsAudio && batch.Count < maxItems && (taken == 0 || taken + item.Payload.Length <= maxBytes))
            {
                batch.Add(item);
                taken += item.Payload.Length;
                Removed(item);
                CountSent(item, 1);
                continue;
            }
            _items[write++] = item;
        }
        if (write < read)
        {
            for (; read < _items.Count; read++)
                _items[write++] = _items[read];
            _items.RemoveRange(write, _items.Count - write);
        }
        return taken;
    }

    /// <summary>Puts drained items back at the front, in order (the writer had no room for them after all).</summary>
    public void Requeue(List<DeliveryItem> batch, int from)
    {
        if (from >= batch.Count)
            return;
        lock (_lock)
        {
            for (var i = batch.Count - 1; i >= from; i--)
            {
                var item = batch[i];
                if (_cleared)
                {
                    item.Payload.Release();
                    continue;
                }
                if (_head > 0) _items[--_head] = item;
                else _items.Insert(0, item);
                if (item.Class == FrameClass.VideoSequenceHeader && !item.IsControl)
                    _videoHeadersTaken--; // not sent after all: a first header holds audio again, a resent one does not
                Added(item);
                CountSent(item, -1);
            }
        }
        batch.RemoveRange(from, batch.Count - from);
        _wakeup.Wake(inline: false);
    }

    /// <summary>Audio is queued ahead of the first item that holds it (<see cref="DrainForWrite"/> takes it: it goes out whatever the room).</summary>
    public bool HasAudioQueued
    {
        get
        {
            lock (_lock)
            {
                if (_audioCount == 0)
                    return false;
                for (var i = _head; i < _items.Count; i++)
                {
                    if (_items[i].IsAudio) return true;
                    if (HoldsAudio(_items[i])) return false;
                }
                return false;
            }
        }
    }

    /// <summary>Counts what the writer just handed the socket at <paramref name="now"/> (milliseconds of <see cref="Time"/>).</summary>
    public void OnWritten(int bytes, long now)
    {
        lock (_lock)
        {
            _link.OnWritten(bytes, now);
            Counters.BytesWritten += bytes;
        }
    }

    /// <summary>A kernel look from the writer's gate (see <see cref="LinkEstimator.OnSample"/>); returns the room in the pipe.</summary>
    public int OnLinkSample(in LinkSample sample, bool waiting)
    {
        lock (_lock)
        {
            _link.OnSample(sample, waiting);
            return _link.RoomBytes;
        }
    }

    /// <summary>The writer framed a Window Acknowledgement Size (see <see cref="LinkEstimator.OnAckWindowAnnounced"/>).</summary>
    public void OnAckWindowAnnounced(int windowBytes)
    {
        lock (_lock)
            _link.OnAckWindowAnnounced(windowBytes);
        Volatile.Write(ref _acksWanted, windowBytes < LinkEstimator.LargeAckWindowBytes);
    }

    /// <summary>
    /// An RTMP Acknowledgement from the viewer (see <see cref="LinkEstimator.OnPeerAcknowledged"/>). Without the queue's
    /// lock while the large window is announced: a client that acknowledges anyway (or floods) does not contend with the
    /// fan-out.
    /// </summary>
    public void OnPeerAcknowledged(uint sequence)
    {
        if (!Volatile.Read(ref _acksWanted))
            return;
        lock (_lock)
            _link.OnPeerAcknowledged(sequence);
    }

    /// <summary>Forgets the estimate of the peer's unread bytes (see <see cref="LinkEstimator.ForgetPeerUnread"/>); returns the room.</summary>
    public int ForgetPeerUnread()
    {
        lock (_lock)
        {
            _link.ForgetPeerUnread();
            return _link.RoomBytes;
        }
    }

    /// <summary>
    /// The link as the gate needs it: room in the pipe, budget, read rate (0 unknown), time of the last look, and whether
    /// the drop policy counts the pipe (<see cref="DropPolicy.QueueMs"/>: a read rate known as of the last look).
    /// </summary>
    public (int Room, int Budget, double ReadBytesPerMs, long LastLookAt, bool PipeCounted) LinkState => LinkStateAt(NowMs);

    /// <summary><see cref="LinkState"/> at <paramref name="now"/> (milliseconds of <see cref="Time"/>, read by the caller).</summary>
    public (int Room, int Budget, double ReadBytesPerMs, long LastLookAt, bool PipeCounted) LinkStateAt(long now)
    {
        lock (_lock)
            return (_link.RoomBytes, _link.BudgetBytes, _link.ReadRateKnown(now) ? _link.ReadBytesPerMs : 0, _link.Last.At,
                _link.ReadRateKnown(_link.Last.At));
    }

    /// <summary>The writer cannot split <paramref name="item"/> (a video message at the head) and has <paramref name="room"/> bytes of room: see <see cref="DropPolicy.DecideWhole"/>.</summary>
    public WholeMessageVerdict DecideWhole(in DeliveryItem item, int room)
    {
        lock (_lock)
        {
            var now = NowMs;
            return _policy.DecideWhole(item.Payload.Length, room, (int)Math.Min(int.MaxValue, now - item.EnqueuedAt), _link, now);
        }
    }

    /// <summary>The writer dropped a whole video message: counted; queued video after it goes too, video waits for a key frame.</summary>
    public void DropWholeVideo()
    {
        lock (_lock)
        {
            Counters.VideoDropped++;
            Counters.VideoSent--;
            _policy.RequireKeyFrame();
            PurgeQueuedVideo();
        }
    }

    /// <summary>
    /// Video sequence headers the writer has taken and not put back. Once one is, the player has a video decoder
    /// configuration and audio may overtake a later one (resent before a key frame after drops, or a publisher's new
    /// configuration, possibly behind a video message still being sent in parts); not reset at a publisher switch, for
    /// the same reason. A count, not a flag: a resent header put back (<see cref="Requeue"/>) must not make audio wait
    /// behind it again.
    /// </summary>
    private int _videoHeadersTaken;

    /// <summary>
    /// Audio stays behind <paramref name="item"/>: commands, metadata and data (<see cref="DeliveryItem.IsOrdered"/>), and
    /// the video sequence header of a viewer that has none yet — a player joining a stream gets both decoder configurations
    /// before any frame, as nginx-rtmp sends them, also when its writer took the metadata and the audio header while
    /// the join was still queueing the rest (the writer runs while the stream offers the start).
    /// </summary>
    private bool HoldsAudio(in DeliveryItem item) =>
        item.IsOrdered || (item.Class == FrameClass.VideoSequenceHeader && _videoHeadersTaken == 0);

    private void CountSent(in DeliveryItem item, int sign)
    {
        Counters.BytesSent += sign * item.Payload.Length;
        if (item.IsControl) return;
        if (item.Class is FrameClass.Audio or FrameClass.AudioSequenceHeader) Counters.AudioSent += sign;
        else if (item.Class is not FrameClass.Metadata and not FrameClass.Data) Counters.VideoSent += sign;
    }
}

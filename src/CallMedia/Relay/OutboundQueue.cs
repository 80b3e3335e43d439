using System.Threading.Channels;
using CallMedia.Media;

namespace CallMedia.Relay;

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
/// A connection's outbound queue: bounded in media time and bytes, with the audio-first drop policy of
/// DESIGN §4 (disposable video, then inter frames, then key frames; audio only at the hard bound). The
/// publisher thread offers; one writer loop drains. Never blocks the offering side.
/// </summary>
internal sealed partial class OutboundQueue(QueueLimits limits, Func<int>? unsentKernelBytes = null, Func<long>? clock = null)
{
    /// <summary>
    /// Messages go out whole (HTTP-FLV tags): audio cannot overtake a video message once it is on the wire, so
    /// video that would take longer than <see cref="QueueLimits.DisposableMs"/> at the link's drain rate is dropped.
    /// </summary>
    public bool AtomicMessages { get; init; }

    private readonly Func<long> _clock = clock ?? (static () => Environment.TickCount64);

    private readonly object _lock = new();
    private readonly List<OutboundItem> _items = new();
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true,
    });
    private int _head;
    private long _bytes;
    private bool _completed;
    private bool _videoWaitKey;
    private bool _cleared;

    public ViewerCounters Counters { get; } = new();

    public string? CompletionReason { get; private set; }

    public bool IsCompleted { get { lock (_lock) return _completed; } }

    /// <summary>True while video is suppressed until the next key frame (after a drop or a start).</summary>
    public bool VideoWaitsForKeyFrame { get { lock (_lock) return _videoWaitKey; } }

    public bool EnqueueControl(OutboundItem item)
    {
        lock (_lock)
        {
            if (_completed)
            {
                item.Payload.Release();
                return false;
            }
            Add(item with { EnqueuedAt = _clock() });
        }
        _signal.Writer.TryWrite(true);
        return true;
    }

    /// <summary>Makes video wait for the next key frame (start, publisher switch) without counting a drop.</summary>
    public void RequireKeyFrame()
    {
        lock (_lock) _videoWaitKey = true;
    }

    /// <summary>
    /// Offers a media message; on <see cref="OfferResult.Queued"/> the queue holds its own reference
    /// (the caller keeps its reference either way).
    /// </summary>
    public OfferResult Offer(in MediaPacket packet, RtmpChunkLayout layout)
    {
        OfferResult result;
        lock (_lock)
        {
            if (_completed)
                return OfferResult.Closed;
            result = Decide(packet);
            if (result == OfferResult.Queued)
                Add(new OutboundItem(false, layout.Type, layout.ChunkStreamId, layout.StreamId, packet.Timestamp, packet.Class,
                    packet.Payload.Retain(), _clock()));
        }
        if (result == OfferResult.Queued)
            _signal.Writer.TryWrite(true);
        return result;
    }

    /// <summary>Ends the queue: nothing more is accepted; the writer sends what is queued, then stops.</summary>
    public void Complete(string reason)
    {
        lock (_lock)
        {
            if (_completed) return;
            _completed = true;
            CompletionReason = reason;
        }
        _signal.Writer.TryWrite(true);
    }

    /// <summary>Waits until items are queued or the queue completes. False once completed and empty.</summary>
    public async ValueTask<bool> WaitAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            lock (_lock)
            {
                if (_head < _items.Count) return true;
                if (_completed) return false;
            }
            await _signal.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Moves up to <paramref name="maxBytes"/> of queued items (at least one) into <paramref name="batch"/>.</summary>
    public void Drain(List<OutboundItem> batch, int maxBytes, int maxItems)
    {
        lock (_lock)
        {
            var taken = 0;
            while (_head < _items.Count && batch.Count < maxItems && (taken == 0 || taken + _items[_head].Payload.Length <= maxBytes))
            {
                var item = _items[_head];
                _items[_head++] = default;
                _bytes -= item.Payload.Length;
                taken += item.Payload.Length;
                batch.Add(item);
                if (!item.IsControl)
                {
                    if (item.Class is FrameClass.Audio or FrameClass.AudioSequenceHeader) Counters.AudioSent++;
                    else if (item.Class != FrameClass.Metadata && item.Class != FrameClass.Data) Counters.VideoSent++;
                }
                Counters.BytesSent += item.Payload.Length;
            }
            if (_head == _items.Count)
            {
                _items.Clear();
                _head = 0;
            }
        }
    }

    /// <summary>
    /// Takes queued audio (up to <paramref name="maxBytes"/>) from ahead of the first control or data item, leaving
    /// video in place: audio overtakes queued video and the rest of a large video message that is being sent chunk
    /// by chunk on another chunk stream (audio-first, DESIGN §4). Players demux per track, so audio arriving before
    /// older video is fine; commands and metadata keep their order. Returns the bytes taken.
    /// </summary>
    public int DrainAudio(List<OutboundItem> batch, int maxBytes, int maxItems)
    {
        lock (_lock)
        {
            var taken = 0;
            var write = _head;
            var read = _head;
            for (; read < _items.Count; read++)
            {
                var item = _items[read];
                if (item.IsControl || item.Class is FrameClass.Metadata or FrameClass.Data)
                    break;
                if (item.Class is FrameClass.Audio or FrameClass.AudioSequenceHeader &&
                    batch.Count < maxItems && (taken == 0 || taken + item.Payload.Length <= maxBytes))
                {
                    batch.Add(item);
                    taken += item.Payload.Length;
                    _bytes -= item.Payload.Length;
                    Counters.AudioSent++;
                    Counters.BytesSent += item.Payload.Length;
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
    }

    /// <summary>Puts drained items back at the front, in order (the writer had no room for them after all).</summary>
    public void Requeue(List<OutboundItem> batch, int from)
    {
        if (from >= batch.Count)
            return;
        lock (_lock)
        {
            var items = batch.GetRange(from, batch.Count - from);
            if (_cleared)
            {
                foreach (var item in items) item.Payload.Release();
            }
            else
            {
                _items.InsertRange(_head, items);
                foreach (var item in items)
                {
                    _bytes += item.Payload.Length;
                    Counters.BytesSent -= item.Payload.Length;
                    if (item.IsControl) continue;
                    if (item.Class is FrameClass.Audio or FrameClass.AudioSequenceHeader) Counters.AudioSent--;
                    else if (item.Class != FrameClass.Metadata && item.Class != FrameClass.Data) Counters.VideoSent--;
                }
            }
        }
        batch.RemoveRange(from, batch.Count - from);
        _signal.Writer.TryWrite(true);
    }

    /// <summary>Releases everything still queued (connection gone).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            for (var i = _head; i < _items.Count; i++)
                _items[i].Payload.Release();
            _items.Clear();
            _head = 0;
            _bytes = 0;
            _completed = true;
            _cleared = true;
            CompletionReason ??= "closed";
        }
        _signal.Writer.TryWrite(true);
    }

    private void Add(OutboundItem item)
    {
        _items.Add(item);
        _bytes += item.Payload.Length;
    }
}

/// <summary>How a media message goes out on RTMP: message type and chunk stream id.</summary>
internal readonly record struct RtmpChunkLayout(Rtmp.Chunks.RtmpMessageType Type, int ChunkStreamId, uint StreamId)
{
    public const int AudioChunkStream = 4;
    public const int DataChunkStream = 5;
    public const int VideoChunkStream = 6;

    /// <summary>Where a packet goes on an RTMP viewer whose play stream id is <paramref name="streamId"/>.</summary>
    public static RtmpChunkLayout For(in MediaPacket packet, uint streamId) => packet.TagType switch
    {
        8 => new(Rtmp.Chunks.RtmpMessageType.Audio, AudioChunkStream, streamId),
        9 => new(Rtmp.Chunks.RtmpMessageType.Video, VideoChunkStream, streamId),
        _ => new(Rtmp.Chunks.RtmpMessageType.DataAmf0, DataChunkStream, streamId),
    };
}

using CallMedia.Media;

namespace CallMedia.Relay;

internal sealed partial class OutboundQueue
{
    private bool _startPending;
    private uint _rateWindowStartTs;
    private long _rateWindowBytes;
    private bool _rateWindowOpen;
    private double _bytesPerMs;

    /// <summary>Holds audio and video back until the next key frame, so both start from the same point (issue 4 §1).</summary>
    public void BeginAtKeyFrame()
    {
        lock (_lock) _startPending = true;
    }

    /// <summary>Releases a pending start at once (audio-only streams, or a start from the cached key frame).</summary>
    public void StartNow()
    {
        lock (_lock) _startPending = false;
    }

    private OfferResult Decide(in MediaPacket p)
    {
        UpdateRate(p);
        var kernelBytes = unsentKernelBytes?.Invoke() ?? 0;
        var queueMs = QueuedMediaMs(p.Timestamp) + KernelMs(kernelBytes);
        var bytes = _bytes + kernelBytes + p.Payload.Length;
        Counters.QueueMs = queueMs;
        if (queueMs > Counters.MaxQueueMs) Counters.MaxQueueMs = queueMs;

        if (p.IsEssential)
            return bytes > (long)limits.MaxBytes * 2 ? OfferResult.TooSlow : OfferResult.Queued;
        if (queueMs > limits.HardMs || HeadAgeMs() > limits.HardMs)
            return OfferResult.TooSlow;

        if (_startPending)
        {
            if (p.Class != FrameClass.KeyFrame)
                return OfferResult.Dropped; // not started yet: not counted as a drop
            _startPending = false;
            _videoWaitKey = false;
        }

        if (p.IsAudio)
            return bytes > limits.MaxBytes ? OfferResult.TooSlow : OfferResult.Queued;
        if (!p.IsVideo)
            return OfferResult.Queued;

        if (_videoWaitKey && p.Class != FrameClass.KeyFrame)
            return CountVideoDrop();

        var threshold = p.Class switch
        {
            FrameClass.DisposableFrame => limits.DisposableMs,
            FrameClass.KeyFrame => limits.KeyMs,
            _ => limits.InterMs,
        };
        var over = queueMs > threshold || bytes > limits.MaxBytes;
        if (over && p.Class == FrameClass.KeyFrame)
        {
            // A fresh key frame makes every queued video frame obsolete: drop those first so the
            // picture resumes from this key frame rather than later.
            PurgeQueuedVideo();
            queueMs = QueuedMediaMs(p.Timestamp) + KernelMs(kernelBytes);
            over = queueMs > threshold || _bytes + kernelBytes + p.Payload.Length > limits.MaxBytes;
        }
        if (over)
        {
            _videoWaitKey = true;
            return CountVideoDrop();
        }
        if (p.Class == FrameClass.KeyFrame)
            _videoWaitKey = false;
        return OfferResult.Queued;
    }

    private OfferResult CountVideoDrop()
    {
        Counters.VideoDropped++;
        return OfferResult.Dropped;
    }

    private int QueuedMediaMs(uint newestTimestamp)
    {
        for (var i = _head; i < _items.Count; i++)
        {
            if (_items[i].IsControl) continue;
            var span = unchecked((int)(newestTimestamp - _items[i].Timestamp));
            return Math.Max(span, 0);
        }
        return 0;
    }

    private int HeadAgeMs() =>
        _head < _items.Count ? (int)Math.Min(int.MaxValue, Environment.TickCount64 - _items[_head].EnqueuedAt) : 0;

    private int KernelMs(int kernelBytes) =>
        kernelBytes <= 0 || _bytesPerMs <= 0 ? 0 : (int)Math.Min(int.MaxValue, kernelBytes / _bytesPerMs);

    private void UpdateRate(in MediaPacket p)
    {
        if (!_rateWindowOpen)
        {
            _rateWindowOpen = true;
            _rateWindowStartTs = p.Timestamp;
            _rateWindowBytes = 0;
        }
        _rateWindowBytes += p.Payload.Length;
        var elapsed = unchecked((int)(p.Timestamp - _rateWindowStartTs));
        if (elapsed < 0)
            _rateWindowOpen = false;
        else if (elapsed >= 1000)
        {
            _bytesPerMs = (double)_rateWindowBytes / elapsed;
            _rateWindowOpen = false;
        }
    }

    private void PurgeQueuedVideo()
    {
        var write = _head;
        for (var read = _head; read < _items.Count; read++)
        {
            var item = _items[read];
            if (!item.IsControl && item.Class is FrameClass.KeyFrame or FrameClass.InterFrame or FrameClass.DisposableFrame or FrameClass.VideoOther)
            {
                _bytes -= item.Payload.Length;
                item.Payload.Release();
                Counters.VideoDropped++;
                continue;
            }
            _items[write++] = item;
        }
        _items.RemoveRange(write, _items.Count - write);
    }
}

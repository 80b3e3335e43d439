using CallMedia.Media;

namespace CallMedia.Relay;

internal sealed partial class OutboundQueue
{
    private bool _startPending;

    /// <summary>
    /// The kernel's not-yet-sent bytes (<c>SIOCOUTQNSD</c>): when set, the drain rate is sampled only while the link
    /// is window-limited, and video pauses for a moment after it was.
    /// </summary>
    public Func<int>? NotSentKernelBytes { get; init; }
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
        UpdateDrainRate(kernelBytes);
        var queueMs = QueueMs(p.Timestamp, kernelBytes);
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
        if (_clock() - _linkFullAt < LinkRecoveryMs)
        {
            // The link was just window-limited: the viewer's receive buffer is full (acknowledged, unread, unseen
            // here) and audio waits behind it. No video until audio alone has drained it.
            _videoWaitKey = true;
            PurgeQueuedVideo();
            return CountVideoDrop();
        }

        var threshold = p.Class switch
        {
            FrameClass.DisposableFrame => limits.DisposableMs,
            FrameClass.KeyFrame => limits.KeyMs,
            _ => limits.InterMs,
        };
        var over = ProjectedMs(queueMs, kernelBytes, p.Payload.Length) > threshold || bytes > limits.MaxBytes;
        if (AtomicMessages && DrainKnown)
        {
            // A whole tag holds the audio behind it for its transmission time: at the measured (not probed) drain
            // rate that must stay within the tightest video threshold, else the picture waits for a better link.
            threshold = Math.Min(threshold, limits.DisposableMs);
            over |= (_bytes + kernelBytes + p.Payload.Length) / _drainBytesPerMs > threshold;
        }
        if (over && p.Class == FrameClass.KeyFrame)
        {
            // A fresh key frame makes every queued video frame obsolete: drop those first so the
            // picture resumes from this key frame rather than later.
            PurgeQueuedVideo();
            queueMs = QueueMs(p.Timestamp, kernelBytes);
            over = ProjectedMs(queueMs, kernelBytes, p.Payload.Length) > threshold || _bytes + kernelBytes + p.Payload.Length > limits.MaxBytes ||
                AtomicMessages && DrainKnown && (_bytes + kernelBytes + p.Payload.Length) / _drainBytesPerMs > threshold;
        }
        if (over)
        {
            _videoWaitKey = true;
            return CountVideoDrop();
        }
        if (p.Class == FrameClass.KeyFrame)
        {
            _videoWaitKey = false;
            _abortPendingVideo = false;
        }
        return OfferResult.Queued;
    }

    private OfferResult CountVideoDrop()
    {
        Counters.VideoDropped++;
        return OfferResult.Dropped;
    }

    /// <summary>
    /// Media time queued here: the timestamp span from the oldest queued media message to the newest, but no
    /// more than how long that message has waited (a publisher's catch-up burst is not a slow viewer).
    /// </summary>
    private int QueuedMediaMs(uint newestTimestamp)
    {
        for (var i = _head; i < _items.Count; i++)
        {
            if (_items[i].IsControl) continue;
            var span = Math.Max(unchecked((int)(newestTimestamp - _items[i].Timestamp)), 0);
            var waited = (int)Math.Min(int.MaxValue, _clock() - _items[i].EnqueuedAt);
            return Math.Min(span, waited);
        }
        return 0;
    }

    private int HeadAgeMs() =>
        _head < _items.Count ? (int)Math.Min(int.MaxValue, _clock() - _items[_head].EnqueuedAt) : 0;

    /// <summary>
    /// How far behind live the newest message would be: media time queued here plus the bytes the kernel still
    /// holds at the stream's bitrate. The writer keeps the kernel's share small (see
    /// <see cref="KernelBudgetBytes"/>), so drops happen here, where priorities apply.
    /// </summary>
    private int QueueMs(uint newestTimestamp, int kernelBytes)
    {
        var span = QueuedMediaMs(newestTimestamp);
        return kernelBytes <= 0 || _bytesPerMs <= 0 ? span : (int)Math.Min(int.MaxValue, span + kernelBytes / _bytesPerMs);
    }

    /// <summary>The stream's byte rate as seen by this queue (bytes per media millisecond; 0 until measured).</summary>
    public double StreamBytesPerMs
    {
        get { lock (_lock) return _bytesPerMs; }
    }

    /// <summary>
    /// How many not-yet-sent bytes the writer lets the kernel hold: 50 ms of the stream, at least
    /// <paramref name="minimum"/>. More would hide media from the drop policy (DESIGN §4: Linux otherwise
    /// buffers seconds of media per socket).
    /// </summary>
    public int KernelBudgetBytes(int minimum)
    {
        lock (_lock)
        {
            // A slow link: 50 ms of what it drains, at least half the minimum.
            return SlowLink
                ? (int)Math.Clamp(_drainBytesPerMs * 50, minimum / 2, 4 * 1024 * 1024)
                : (int)Math.Clamp(_bytesPerMs * 50, minimum, 4 * 1024 * 1024);
        }
    }

    /// <summary>
    /// The backlog once <paramref name="size"/> more bytes are queued, at the link's measured drain rate: a viewer
    /// on a slow link drains slower than the stream's bitrate, so a key frame admitted on media time alone would
    /// hold the audio behind it for its whole transmission time.
    /// </summary>
    private int ProjectedMs(int queueMs, int kernelBytes, int size) =>
        DrainKnown
            ? Math.Max(queueMs, (int)Math.Min(int.MaxValue, (_bytes + kernelBytes + size) / ProbedDrainRate()))
            : queueMs;

    /// <summary>
    /// The measured drain rate, assumed to grow by a twentieth of itself per second since the measurement: a link that
    /// recovered is found again by the next key frame that this lets through (and that measures it anew).
    /// </summary>
    private double ProbedDrainRate() =>
        _drainBytesPerMs * (1 + 0.05 * (_clock() - _drainMeasuredAt) / 1000.0);

    private const int DrainSamples = 8;
    private const int DrainSampleIntervalMs = 100;
    private const int DrainEstimateLifetimeMs = 30_000;
    private const int DrainMinimumSpanMs = 500;
    private readonly long[] _drainAt = new long[DrainSamples];
    private readonly long[] _drainDelivered = new long[DrainSamples];
    private readonly bool[] _drainLimited = new bool[DrainSamples];
    private int _drainNext;
    private int _drainCount;
    private double _drainBytesPerMs;
    private long _drainValidUntil;
    private long _drainMeasuredAt;

    private bool DrainKnown => _drainBytesPerMs > 0 && _clock() < _drainValidUntil;

    /// <summary>
    /// Samples delivered bytes (handed to the socket, see <see cref="OnWritten"/>, minus still unacknowledged) while messages wait here, i.e. while the
    /// link, not the publisher, sets the pace; over ≥ 500 ms that is the link's drain rate. The last estimate is
    /// used for 30 s (see <see cref="ProbedDrainRate"/>), so one key frame cannot refill the pipe unnoticed.
    /// </summary>
    private void UpdateDrainRate(int kernelBytes)
    {
        var now = _clock();
        if (_head >= _items.Count && !WriterHasPendingVideo || kernelBytes <= 0)
        {
            _drainCount = 0;
            return;
        }
        var last = (_drainNext + DrainSamples - 1) % DrainSamples;
        if (_drainCount > 0 && now - _drainAt[last] < DrainSampleIntervalMs)
            return;
        // Window-limited: the kernel holds bytes it may not send yet, so the viewer, not our pacing, sets the pace.
        var limited = NotSentKernelBytes is not { } notSent || notSent() > 0;
        if (limited && NotSentKernelBytes is not null && _drainCount > 0 && _drainLimited[last])
        {
            // Window-limited on two samples in a row (not a passing burst): the viewer's receive buffer is full.
            _linkFullAt = now;
            _abortPendingVideo = true;
        }
        // Bytes the writer handed the socket (not those drained: a key frame going out chunk by chunk is drained
        // at once), minus what the kernel still holds.
        var delivered = _bytesWritten - kernelBytes;
        _drainAt[_drainNext] = now;
        _drainDelivered[_drainNext] = delivered;
        _drainLimited[_drainNext] = limited;
        _drainNext = (_drainNext + 1) % DrainSamples;
        if (_drainCount < DrainSamples)
            _drainCount++;
        var oldest = (_drainNext + DrainSamples - _drainCount) % DrainSamples;
        var elapsed = now - _drainAt[oldest];
        if (elapsed < DrainMinimumSpanMs)
            return;
        // A receiver with a small buffer opens its window in steps (half its buffer at a time), so the span covers
        // several steps; it must have been window-limited, else it measured our pacing (or a burst being absorbed).
        var anyLimited = false;
        for (var i = 0; i < _drainCount; i++)
            anyLimited |= _drainLimited[(oldest + i) % DrainSamples];
        var rate = (delivered - _drainDelivered[oldest]) / (double)elapsed;
        if (anyLimited && rate > 0)
        {
            _drainBytesPerMs = rate;
            _drainMeasuredAt = now;
            _drainValidUntil = now + DrainEstimateLifetimeMs;
        }
    }

    /// <summary>
    /// Estimates the stream's byte rate from the audio/video frames offered (headers and metadata carry stale
    /// timestamps, e.g. 0 for a viewer joining at minute 5, and would wreck the estimate).
    /// </summary>
    private void UpdateRate(in MediaPacket p)
    {
        if (p.IsEssential || p.Class == FrameClass.Data)
            return;
        if (!_rateWindowOpen)
        {
            _rateWindowOpen = true;
            _rateWindowStartTs = p.Timestamp;
            _rateWindowBytes = 0;
        }
        _rateWindowBytes += p.Payload.Length;
        var elapsed = unchecked((int)(p.Timestamp - _rateWindowStartTs));
        if (elapsed < 0 || elapsed > 10_000)
            _rateWindowOpen = false; // timestamp jump: start over
        else if (elapsed >= 1000)
        {
            _bytesPerMs = (double)_rateWindowBytes / elapsed;
            _rateWindowOpen = false;
        }
    }

    private const int LinkRecoveryMs = 750;
    private long _linkFullAt = long.MinValue / 2;
    private long _bytesWritten;
    private bool _abortPendingVideo;

    /// <summary>Set by the RTMP writer while it sends a video message chunk by chunk (backlog outside this queue).</summary>
    public volatile bool WriterHasPendingVideo;

    /// <summary>
    /// True once after the link was found window-limited again: the writer aborts the video message it is sending chunk
    /// by chunk (RTMP Abort Message), since the rest of it would keep the viewer's receive buffer full ahead of the audio.
    /// </summary>
    public bool TakeAbortPendingVideo()
    {
        lock (_lock)
        {
            if (!_abortPendingVideo)
                return false;
            _abortPendingVideo = false;
            _videoWaitKey = true;
            Counters.VideoDropped++;
            return true;
        }
    }

    /// <summary>Counts what the writer just handed the socket (for the drain rate).</summary>
    public void OnWritten(int bytes)
    {
        lock (_lock) _bytesWritten += bytes;
    }

    /// <summary>The link was measured slower than the stream.</summary>
    private bool SlowLink => DrainKnown && (_bytesPerMs <= 0 || _drainBytesPerMs < _bytesPerMs * 0.75);

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

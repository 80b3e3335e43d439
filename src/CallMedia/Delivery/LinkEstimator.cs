using CallMedia.Media;

namespace CallMedia.Delivery;

/// <summary>
/// Estimates a viewer's link beside its queue, from the packets offered (the stream's and its audio's byte rates) and
/// the writer's kernel looks (<see cref="LinkSample"/>). Pure: no sockets, no clock; every input carries its time. Not
/// thread-safe (the queue's lock guards it).
/// <para>
/// The <b>pipe</b> is what was written and the viewer application has not read yet: the kernel's unacknowledged bytes
/// plus what the peer's kernel holds unread (the peer's largest advertised window minus its current one; for a buffer
/// over 64 KiB, once that is down to half or less), or, from an RTMP peer with a small receive buffer that acknowledges at
/// the small window the writer announces while the budget is small, what was written minus what its application
/// acknowledged reading, an upper bound (see <see cref="OnPeerAcknowledged"/>). The
/// <b>read rate</b> is how fast the pipe empties while the writer has more to send (the viewer, not the relay, sets
/// the pace), over ≥ 400 ms. The <b>budget</b> is how much the writer lets into the pipe: 4 KiB at first, doubled
/// each time the viewer has emptied half of it in quick drains (under 32 KiB: a look finds the pipe down to a quarter of
/// the budget, with at least a quarter of it, of what was written since the previous such look, read at a quarter of
/// the budget per 20 ms or faster; from 32 KiB: a look within 20 ms of a write that filled half of it finds the pipe
/// down to a quarter; a viewer that keeps up, as TCP's slow start grows by the bytes acknowledged) until its rate is
/// measured, then 100 ms at that rate; never more than half the peer's receive buffer. Audio is written whatever the
/// room (it is small and comes first), so it waits behind at most the budget: about 100 ms on a measured link.
/// </para>
/// </summary>
internal sealed partial class LinkEstimator
{
    /// <summary>The budget before anything is known, bytes.</summary>
    public const int StartBudgetBytes = 4 * 1024;
    /// <summary>The smallest budget, bytes.</summary>
    public const int MinBudgetBytes = 2 * 1024;
    /// <summary>The largest budget, bytes (a viewer that keeps up).</summary>
    public const int MaxBudgetBytes = 1024 * 1024;
    /// <summary>The budget in time at the measured read rate, ms: what audio may wait behind the pipe.</summary>
    public const int PipeTargetMs = 100;

    private const int FastDrainMs = 20;
    private const int SmallPeerBufferBytes = 64 * 1024;
    private const int StaleWindowMs = 250;
    private const int RateSamples = 48;
    private const int RateSampleIntervalMs = 50;
    private const int RateMinSpanMs = 400;
    private const int RateMaxSpanMs = 2000;
    private const int RateLifetimeMs = 30_000;

    private readonly long[] _sampleAt = new long[RateSamples];
    private readonly long[] _sampleRead = new long[RateSamples];
    private readonly bool[] _sampleWaiting = new bool[RateSamples];
    private int _next;
    private int _count;
    private long _bytesWritten;
    private long _drainWritten;   // bytes written since the drain's reference look
    private long _drainFrom;      // the reference look's time
    private long _quickDrainedBytes;
    private long _fullWriteAt = long.MinValue / 2; // the last write that filled half the budget
    private int _maxPeerWindow;
    private int _lastPeerWindow = -1;
    private long _peerWindowSince;
    private long _rateValidUntil;
    private long _measuredAt;

    private uint _rateWindowStartTs;
    private long _rateWindowBytes;
    private long _rateWindowAudioBytes;
    private bool _rateWindowOpen;

    /// <summary>The stream's byte rate as offered to this viewer (bytes per media millisecond; 0 until measured).</summary>
    public double StreamBytesPerMs { get; private set; }

    /// <summary>The stream's audio byte rate (bytes per media millisecond; 0 until measured).</summary>
    public double AudioBytesPerMs { get; private set; }

    /// <summary>The viewer's measured read rate, bytes/ms (0 until measured; see <see cref="ReadRateKnown"/>).</summary>
    public double ReadBytesPerMs { get; private set; }

    /// <summary>How many bytes the writer lets into the pipe.</summary>
    public int BudgetBytes { get; private set; } = StartBudgetBytes;

    /// <summary>The pipe at the last look, plus what was written since.</summary>
    public int PipeBytes { get; private set; }

    /// <summary>The largest window the peer advertised (its receive buffer, as far as it told); 0 until known.</summary>
    public int PeerBufferBytes => _maxPeerWindow;

    /// <summary>The latest kernel look (default before the first).</summary>
    public LinkSample Last { get; private set; }

    /// <summary>True while a measured read rate is fresh (30 s).</summary>
    public bool ReadRateKnown(long now) => ReadBytesPerMs > 0 && now < _rateValidUntil;

    /// <summary>The viewer reads slower than the stream: video must make room for the audio.</summary>
    public bool SlowLink(long now) => ReadRateKnown(now) && StreamBytesPerMs > 0 && ReadBytesPerMs < StreamBytesPerMs * 0.9;

    /// <summary>
    /// What the link carries beside the audio, bytes/ms (meaningful on a <see cref="SlowLink"/>): the read rate assumed to
    /// grow by a twentieth per second since it was measured (a link that got better is found by the next picture that this
    /// lets through, which measures it anew), minus the audio's rate and a tenth of it.
    /// </summary>
    public double SpareBytesPerMs(long now) =>
        Math.Max(ReadBytesPerMs * (1 + 0.05 * Math.Max(now - _measuredAt, 0) / 1000.0) - AudioBytesPerMs * 1.1, 0);

    /// <summary>Room in the pipe now, bytes (≤ 0: wait).</summary>
    public int RoomBytes => BudgetBytes - PipeBytes;

    /// <summary>
    /// Bounds a budget: 2 KiB – 1 MiB, and at most half the peer's receive buffer (its largest advertised window): the
    /// unread part of the pipe is seen only in coarse window steps, so a budget near the buffer would let it fill.
    /// </summary>
    private int Cap(long budget)
    {
        var max = _maxPeerWindow > 0 ? Math.Clamp(_maxPeerWindow / 2, MinBudgetBytes, MaxBudgetBytes) : MaxBudgetBytes;
        return (int)Math.Clamp(budget, MinBudgetBytes, max);
    }

    /// <summary>
    /// The writer was blocked for long while the kernel had nothing unsent: take the peer's current window as its empty
    /// buffer (the window it announced last may be stale), the pipe as what is unacknowledged. A peer whose
    /// acknowledgements counted is not asked again (<see cref="GiveUpAcks"/>).
    /// </summary>
    public void ForgetPeerUnread()
    {
        GiveUpAcks();
        if (Last.PeerWindow > 0)
            _maxPeerWindow = Last.PeerWindow;
        PipeBytes = Last.Unacked;
    }

    /// <summary>Drops the measured read rate (the budget stays): the next span in which the writer waits measures it again.</summary>
    public void ForgetReadRate()
    {
        ReadBytesPerMs = 0;
        _rateValidUntil = 0;
        _count = 0;
        _quickDrainedBytes = 0;
    }

    /// <summary>Counts what the writer just handed the socket at <paramref name="now"/>.</summary>
    public void OnWritten(int bytes, long now)
    {
        _bytesWritten += bytes;
        PipeBytes = AcksCount ? AckedPipeBytes : PipeBytes + bytes;
        _drainWritten += bytes;
        if (PipeBytes >= BudgetBytes / 2)
            _fullWriteAt = now;
    }

    /// <summary>
    /// Estimates the stream's byte rates from the audio/video frames offered (headers and metadata carry stale
    /// timestamps, e.g. 0 for a viewer joining at minute 5, and would wreck the estimate).
    /// </summary>
    public void OnOffered(in MediaPacket p)
    {
        if (p.IsEssential || p.Class == FrameClass.Data)
            return;
        if (!_rateWindowOpen)
        {
            _rateWindowOpen = true;
            _rateWindowStartTs = p.Timestamp;
            _rateWindowBytes = _rateWindowAudioBytes = 0;
        }
        _rateWindowBytes += p.Payload.Length;
        if (p.IsAudio)
            _rateWindowAudioBytes += p.Payload.Length;
        var elapsed = unchecked((int)(p.Timestamp - _rateWindowStartTs));
        if (elapsed < 0 || elapsed > 10_000)
            _rateWindowOpen = false; // timestamp jump: start over
        else if (elapsed >= 1000)
        {
            StreamBytesPerMs = (double)_rateWindowBytes / elapsed;
            AudioBytesPerMs = (double)_rateWindowAudioBytes / elapsed;
            _rateWindowOpen = false;
        }
    }

    /// <summary>
    /// Takes a kernel look. <paramref name="waiting"/>: the writer is waiting for room (it has more to send than the
    /// budget lets through). While the writer keeps waiting for the viewer (in every 50 ms of a span of ≥ 400 ms), the
    /// pipe's progress is the viewer's read rate; the span runs until the progress is twice the peer's buffer (whose
    /// window opens in coarse steps; four acknowledgement windows while the peer's acknowledgements count) or 2 s.
    /// </summary>
    public void OnSample(in LinkSample sample, bool waiting)
    {
        Last = sample;
        var now = sample.At;
        if (sample.PeerWindow != _lastPeerWindow)
        {
            _lastPeerWindow = sample.PeerWindow;
            _peerWindowSince = now;
        }
        else if (sample.Unacked == 0 && sample.PeerWindow >= _maxPeerWindow / 2 && sample.PeerWindow < _maxPeerWindow
                 && now - _peerWindowSince >= StaleWindowMs)
        {
            // Nothing in flight and the window a little short of its largest, unchanged for a while: the peer does not
            // announce small openings (Linux waits for a segment's worth); its buffer is (nearly) empty.
            _maxPeerWindow = sample.PeerWindow;
        }
        if (sample.PeerWindow > _maxPeerWindow)
        {
            var first = _maxPeerWindow == 0;
            _maxPeerWindow = sample.PeerWindow;
            if (first)
                BudgetBytes = Cap(BudgetBytes);
        }
        // A large window also moves with the peer's buffer tuning (Linux rounds and grows it by several KiB): there only a
        // window shrunk to half or less says its application is not reading. A small one (a fixed SO_RCVBUF) is exact.
        var unread = sample.PeerWindow < 0 ? 0
            : _maxPeerWindow <= SmallPeerBufferBytes || sample.PeerWindow <= _maxPeerWindow / 2 ? _maxPeerWindow - sample.PeerWindow : 0;
        // Where the peer's acknowledgements at our small window count, they bound what its application has not read.
        PipeBytes = PipeFromLook(sample.Unacked + unread);
        var read = _bytesWritten - PipeBytes;
        OnQuickDrain(now);

        if (PipeBytes <= 0 && !waiting)
        {
            _count = 0; // the viewer read everything: idle, its pace is not visible
            return;
        }
        var last = (_next + RateSamples - 1) % RateSamples;
        if (_count > 0 && now - _sampleAt[last] < RateSampleIntervalMs)
        {
            _sampleWaiting[last] |= waiting;
            return;
        }
        if (_count > 0 && !_sampleWaiting[last])
            _count = 0; // the writer did not wait for the viewer in that slot: the span starts again here
        _sampleAt[_next] = now;
        _sampleRead[_next] = read;
        _sampleWaiting[_next] = waiting;
        _next = (_next + 1) % RateSamples;
        if (_count < RateSamples)
            _count++;
        var oldest = (_next + RateSamples - _count) % RateSamples;
        var elapsed = now - _sampleAt[oldest];
        var progress = read - _sampleRead[oldest];
        // The peer's acknowledgements count its reads to within a window; the kernel sees them in window steps.
        var enough = AcksCount ? 4L * _ackWindow : 2L * _maxPeerWindow;
        if (elapsed < RateMinSpanMs || progress < enough && elapsed < RateMaxSpanMs)
            return;
        if (progress <= 0)
            return;
        ReadBytesPerMs = progress / (double)elapsed;
        _measuredAt = now;
        _rateValidUntil = now + RateLifetimeMs;
        BudgetBytes = Cap((long)(ReadBytesPerMs * PipeTargetMs));
        _quickDrainedBytes = 0; // the rate sizes the budget now; drains counted before it do not add to later ones
        // Slide: keep the span within the longest needed.
        while (_count > 1 && now - _sampleAt[(_next + RateSamples - _count + 1) % RateSamples] >= RateMaxSpanMs)
            _count--;
    }

    /// <summary>
    /// Opens the budget for a viewer that keeps up (TCP's slow start: growth by what was read), at a look that finds the
    /// pipe down to a quarter of the budget.
    /// <para>
    /// Under 32 KiB (where a viewer with a small buffer is asked for acknowledgements and the gate looks before each
    /// write): a drain is measured from a reference look (the latest one that found the pipe down to a quarter; for a
    /// viewer that keeps up, the look just before the write) to this one. Of the bytes written since the reference, at
    /// least those no longer in the pipe were read (a lower bound: nothing the pipe held at the reference is credited, so
    /// a viewer behind a full pipe, or acknowledging in message-sized jumps, earns nothing from old bytes). It counts when
    /// that is at least a quarter of the budget, read at a quarter of the budget per 20 ms or faster over the time since
    /// the reference (budget / 80 bytes per ms: at a 4 KiB budget 51 bytes per ms, 410 kbit/s), so the look after the
    /// write need not come at once; the budget doubles once the counted drains reach half of it. Counting over several
    /// drains, not one write's size, lets a stream whose largest frames are just under half the budget (an 8,000-byte key
    /// frame at 16 KiB) reach 32 KiB too.
    /// </para>
    /// <para>
    /// From 32 KiB (the gate's fast path: no look until the estimate reaches half the budget, the kernel's view of a
    /// large buffer): the budget doubles when this look comes within 20 ms of a write that filled half of it. The pace
    /// since a reference look cannot be read there (the stream, not the viewer, sets how fast the writes came), and a
    /// budget that keeps growing keeps the looks rare (at 32 KiB one per 16 KiB written).
    /// </para>
    /// Once the read rate is measured, the rate sizes the budget (a faster link shows as a higher rate while the writer
    /// waits: the peer's window opens in steps, so a quick drain can be an artefact).
    /// </summary>
    private void OnQuickDrain(long now)
    {
        var quarter = BudgetBytes / 4;
        if (PipeBytes > quarter)
            return; // still draining: the reference stays
        var read = _drainWritten - PipeBytes;
        var spanMs = Math.Clamp(now - _drainFrom, 0, int.MaxValue);
        _drainWritten = 0;
        _drainFrom = now;
        if (ReadRateKnown(now))
            return;
        if (BudgetBytes >= LargeAckWindowBudgetBytes)
        {
            if (now - _fullWriteAt > FastDrainMs)
                return;
            _fullWriteAt = long.MinValue / 2;
        }
        else
        {
            if (read < quarter || read * FastDrainMs < quarter * spanMs)
                return;
            _quickDrainedBytes += read;
            if (_quickDrainedBytes < BudgetBytes / 2)
                return;
        }
        BudgetBytes = Cap((long)BudgetBytes * 2);
        _quickDrainedBytes = 0;
    }
}

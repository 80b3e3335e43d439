namespace CallMedia.Delivery;

/// <summary>
/// The pipe from the peer's RTMP acknowledgements: an exact count of what its application read, where the kernel's
/// view is coarse. RTMP spec §5.4.3/§5.4.4: a peer told a Window Acknowledgement Size sends an Acknowledgement carrying
/// the bytes it has received so far each time it has received that many more (FFmpeg's <c>rtmpproto</c> at half the
/// window). The peer counts what it read from its socket, so what we wrote minus its count is everything not yet read:
/// in our kernel, on the wire and in its receive buffer.
/// <para>
/// Why: the peer's advertised window (the kernel's view, <see cref="OnSample"/>) moves in coarse steps, and Linux
/// receivers hold more than the largest window they advertised (a socket with an 8 KiB <c>SO_RCVBUF</c> that
/// advertised 8 KiB held 13 KiB unread on Linux 6.18): the unread part, up to ~700 ms of a 150 kbit/s link, is
/// unseen, and the audio waits behind it. While the budget is small (a viewer just started, or a slow link) the writer
/// announces a small window (<see cref="AckWindowFor"/>); once the budget is large it announces the connection's large
/// window again, so a viewer that keeps up costs no acknowledgements.
/// </para>
/// <para>
/// Only for a peer whose receive buffer is small (its largest window ≤ 64 KiB, where the kernel's view was taken as
/// exact): for larger ones the kernel's view stands as it was (FFmpeg's acknowledgements, for one, lag what it read by
/// the message it is reading).
/// A peer's acknowledgement counts when it came at most <see cref="TrustedSpacingBytes"/> after the previous one, or after
/// the small window's announcement (librtmp, for one, acknowledges every tenth of the Set Peer Bandwidth, not at our
/// window): until then, and after the writer was stuck for long with nothing unsent and no acknowledgement
/// (<see cref="ForgetPeerUnread"/>: a peer that stopped acknowledging looks like one that stopped reading), the
/// kernel's view stands.
/// </para>
/// </summary>
internal sealed partial class LinkEstimator
{
    /// <summary>The Window Acknowledgement Size announced at connect and while the budget is large, bytes (as nginx-rtmp's order of magnitude: no acknowledgement for seconds).</summary>
    public const int LargeAckWindowBytes = 2_500_000;
    /// <summary>The smallest window announced while the budget is small, bytes.</summary>
    public const int MinAckWindowBytes = 1024;
    /// <summary>The largest window announced while the budget is small, bytes.</summary>
    public const int MaxSmallAckWindowBytes = 8 * 1024;
    /// <summary>The budget from which the large window is announced, bytes (the gate's fast path for viewers that keep up).</summary>
    public const int LargeAckWindowBudgetBytes = 32 * 1024;

    private int _ackWindow = LargeAckWindowBytes;
    private long _ackedRead = -1; // the peer's read count from its latest acknowledgement (our bytes)
    private long _ackSpacingFrom; // where the next acknowledgement's spacing is measured from
    private long _ackOffset;
    private long _lastAckAt = long.MinValue / 2;
    private bool _acksCount;
    private bool _awaitingAck;    // a small window announced, no acknowledgement yet
    private long _awaitingFrom;   // what was written at the announcement
    private long _seenRead;       // what was written when a kernel look last showed the peer empty: it read at least that

    /// <summary>
    /// The window to announce for <paramref name="budgetBytes"/>: a quarter of the budget as a power of two,
    /// 1–8 KiB, while the budget is under 32 KiB (the pipe is then known to within a quarter of it, FFmpeg's to an
    /// eighth); <see cref="LargeAckWindowBytes"/> from there on.
    /// </summary>
    public static int AckWindowFor(int budgetBytes) =>
        budgetBytes >= LargeAckWindowBudgetBytes ? LargeAckWindowBytes
            : Math.Clamp((int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(budgetBytes / 4, 1)) , MinAckWindowBytes, MaxSmallAckWindowBytes);

    /// <summary>Acknowledgements this far apart or closer (bytes, beside 4 windows) are the peer's answer to our window.</summary>
    public static int TrustedSpacingBytes(int window) => 4 * window + 64 * 1024;

    /// <summary>The pipe comes from the peer's acknowledgements (see the type's remarks).</summary>
    public bool AcksCount => _acksCount && _maxPeerWindow <= SmallPeerBufferBytes;

    /// <summary>
    /// What was written and the peer has not acknowledged reading, bytes (meaningful while <see cref="AcksCount"/>); what a
    /// kernel look showed it had read counts too (FFmpeg counts a message only once it has read all of it, so while a
    /// large video message goes out in chunks its acknowledgements fall behind what it read).
    /// </summary>
    private int AckedPipeBytes => (int)Math.Clamp(_bytesWritten - Math.Max(_ackedRead, _seenRead), 0, int.MaxValue);

    /// <summary>
    /// The writer framed a Window Acknowledgement Size of <paramref name="windowBytes"/>, after everything counted so far
    /// (<see cref="OnWritten"/>). The large window ends the count from acknowledgements at once (the next ones may be
    /// seconds away); a small one keeps what was learnt.
    /// </summary>
    public void OnAckWindowAnnounced(int windowBytes)
    {
        _ackWindow = windowBytes;
        if (windowBytes >= LargeAckWindowBytes)
            DistrustAcks();
        else if (!_acksCount)
        {
            _ackSpacingFrom = _awaitingFrom = _bytesWritten; // the peer cannot have read more when it takes the window
            _awaitingAck = true;
        }
    }

    /// <summary>
    /// The pipe from a kernel look (<paramref name="kernelPipe"/>) where the peer's acknowledgements count or are awaited
    /// on a small receive buffer, whose unread bytes the kernel's view falls short of (see the type's remarks). A look that
    /// shows the peer empty (nothing unacknowledged, its window at its largest) says it read everything written so far.
    /// Awaiting the first acknowledgement after the small window's announcement, the pipe is at least what was written
    /// since then (an honest peer acknowledges after reading one window); that lasts until the acknowledgement, or until
    /// the writer was stuck for long (<see cref="ForgetPeerUnread"/>: a peer that does not acknowledge at our window).
    /// Elsewhere the kernel's view stands.
    /// </summary>
    private int PipeFromLook(in LinkSample sample, int kernelPipe)
    {
        if (_maxPeerWindow > SmallPeerBufferBytes || !_acksCount && !_awaitingAck)
            return kernelPipe;
        if (sample.Unacked == 0 && sample.PeerWindow >= _maxPeerWindow)
            _seenRead = _bytesWritten;
        if (AcksCount)
            return AckedPipeBytes;
        return (int)Math.Clamp(Math.Max(kernelPipe, _bytesWritten - Math.Max(_awaitingFrom, _seenRead)), 0, int.MaxValue);
    }

    /// <summary>
    /// An Acknowledgement from the peer at <paramref name="now"/>: <paramref name="sequence"/> is the bytes it has read so
    /// far (32 bits, wrapping; counted from the end of the handshake, or from its start by clients that count the
    /// handshake too: learnt as the excess over what we wrote). It counts when it came at most
    /// <see cref="TrustedSpacingBytes"/> after the previous one (or after the window's announcement). Ignored while the
    /// large window is announced.
    /// </summary>
    public void OnPeerAcknowledged(uint sequence, long now)
    {
        if (_ackWindow >= LargeAckWindowBytes)
            return;
        var expected = _bytesWritten + _ackOffset;
        var full = (expected & ~0xFFFF_FFFFL) | sequence;
        if (full - expected > int.MaxValue)
            full -= 1L << 32;
        else if (expected - full > int.MaxValue)
            full += 1L << 32;
        var read = full - _ackOffset;
        if (read > _bytesWritten)
        {
            // It read more than we wrote: it counts bytes we do not (the handshake's 3,073).
            _ackOffset += read - _bytesWritten;
            read = _bytesWritten;
        }
        if (read < _ackedRead)
            return; // out of order or repeated
        _acksCount = read - _ackSpacingFrom <= TrustedSpacingBytes(_ackWindow);
        _awaitingAck = false;
        _ackedRead = _ackSpacingFrom = read;
        _lastAckAt = now;
        if (AcksCount)
            PipeBytes = AckedPipeBytes;
    }

    /// <summary>The peer's acknowledgements counted and the latest came less than <paramref name="ms"/> before <paramref name="now"/>.</summary>
    private bool AcksAlive(long now, int ms) => AcksCount && now - _lastAckAt < ms;

    /// <summary>The kernel's view again; the next acknowledgement's spacing counts from the latest one.</summary>
    private void DistrustAcks() => _acksCount = _awaitingAck = false;
}

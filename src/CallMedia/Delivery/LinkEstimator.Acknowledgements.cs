namespace CallMedia.Delivery;

/// <summary>
/// The pipe from the peer's RTMP acknowledgements where the kernel's view of a small receive buffer falls short. RTMP
/// spec §5.4.3/§5.4.4: a peer told a Window Acknowledgement Size sends an Acknowledgement carrying the bytes it has
/// received so far each time it has received that many more (FFmpeg's <c>rtmpproto</c> at half the window). What we
/// wrote minus its count is at least what it has not read yet (in our kernel, on the wire, in its receive buffer, and in
/// its own reassembly of a message it counts only once whole, as FFmpeg does): an upper bound, where the kernel's view
/// is a lower one.
/// <para>
/// Why: a Linux receiver holds more than the largest window it advertised (on Linux 6.18 a socket with an 8 KiB
/// <c>SO_RCVBUF</c> advertised at most 8 KiB and took 11 KiB unread, 4 KiB more in flight), and it announces the window
/// in coarse steps: the unread part the kernel's view misses, 4–5 KiB, is ≈ 220–270 ms of a 150 kbit/s link that the
/// audio waited behind. While the budget is small (a viewer just started, or a slow link) the writer announces a small
/// window (<see cref="AckWindowFor"/>); once the budget is large it announces the connection's large window again, so a
/// viewer that keeps up sends no acknowledgements.
/// </para>
/// <para>
/// Only for a peer whose largest window is ≤ 64 KiB (where the kernel's view was taken as exact; for larger buffers it
/// stands as it was). Its acknowledgements count from the first one after the small window's announcement that came
/// within <see cref="TrustedSpacingBytes"/> of it or of the previous one (librtmp acknowledges every tenth of the Set
/// Peer Bandwidth, 250 KB here, not at our window); until that first one the pipe is at least what was written since the
/// announcement. A peer whose counted acknowledgements left the writer stuck for 500 ms with nothing unsent in the kernel
/// (<see cref="ForgetPeerUnread"/>: a count that does not follow its reads, e.g. FFmpeg's while a large video message
/// goes out in chunks beside the audio) is not asked again: the kernel's view stands for the rest of the connection.
/// </para>
/// </summary>
internal sealed partial class LinkEstimator
{
    /// <summary>The Window Acknowledgement Size announced at connect and while the budget is large, bytes (as nginx-rtmp's order of magnitude: no acknowledgement for seconds).</summary>
    public const int LargeAckWindowBytes = 2_500_000;
    /// <summary>The window announced while the budget is small, bytes: the pipe is then known to within 1 KiB (FFmpeg's half a KiB).</summary>
    public const int SmallAckWindowBytes = 1024;
    /// <summary>The budget from which the large window is announced, bytes (the gate's fast path for viewers that keep up).</summary>
    public const int LargeAckWindowBudgetBytes = 32 * 1024;
    /// <summary>What a client that counts the handshake counts more than we do, bytes: S0 + S1 + S2 (RTMP spec §5.2).</summary>
    public const int HandshakeBytes = 1 + 2 * Rtmp.Handshake.ServerHandshake.PacketSize;

    private int _ackWindow = LargeAckWindowBytes;
    private long _ackedRead = -1; // the peer's read count from its latest acknowledgement (our bytes)
    private long _ackSpacingFrom; // where the next acknowledgement's spacing is measured from
    private long _ackOffset;      // 0, or HandshakeBytes for a client that counts the handshake
    private bool _acksCount;
    private bool _acksFailed;     // the peer's count did not follow its reads: not asked again
    private bool _awaitingAck;    // a small window announced, no acknowledgement since
    private long _awaitingFrom;   // what was written at the announcement

    /// <summary>The window to announce for <paramref name="budgetBytes"/>: <see cref="SmallAckWindowBytes"/> under 32 KiB, else <see cref="LargeAckWindowBytes"/>.</summary>
    public static int AckWindowFor(int budgetBytes) => budgetBytes >= LargeAckWindowBudgetBytes ? LargeAckWindowBytes : SmallAckWindowBytes;

    /// <summary>The furthest an acknowledgement that counts may come after the previous one (or the announcement), bytes: four windows and 16 KiB of messages a client counts only once whole.</summary>
    public static int TrustedSpacingBytes(int window) => 4 * window + 16 * 1024;

    /// <summary>The pipe comes from the peer's acknowledgements (see the type's remarks).</summary>
    public bool AcksCount => _acksCount && !_acksFailed && _maxPeerWindow <= SmallPeerBufferBytes;

    /// <summary>What was written and the peer has not acknowledged reading, bytes (meaningful while <see cref="AcksCount"/>).</summary>
    private int AckedPipeBytes => (int)Math.Clamp(_bytesWritten - _ackedRead, 0, int.MaxValue);

    /// <summary>
    /// The writer framed a Window Acknowledgement Size of <paramref name="windowBytes"/>, after everything counted so far
    /// (<see cref="OnWritten"/>). The large window ends the count from acknowledgements at once (the next ones may be
    /// seconds away); a small one starts waiting for the first acknowledgement, unless they already count.
    /// </summary>
    public void OnAckWindowAnnounced(int windowBytes)
    {
        _ackWindow = windowBytes;
        if (windowBytes >= LargeAckWindowBytes)
            SetAcksCount(false);
        else if (!_acksCount && !_acksFailed)
        {
            _ackSpacingFrom = _awaitingFrom = _bytesWritten; // the peer cannot have read more when it takes the window
            _awaitingAck = true;
        }
    }

    /// <summary>
    /// The pipe from a kernel look (<paramref name="kernelPipe"/>): the acknowledgements' where they count, at least what was
    /// written since the announcement while the first is awaited (an honest peer acknowledges after reading one window),
    /// else the kernel's.
    /// </summary>
    private int PipeFromLook(int kernelPipe)
    {
        if (_maxPeerWindow > SmallPeerBufferBytes || _acksFailed)
            return kernelPipe;
        if (AcksCount)
            return AckedPipeBytes;
        return _awaitingAck ? (int)Math.Clamp(Math.Max(kernelPipe, _bytesWritten - _awaitingFrom), 0, int.MaxValue) : kernelPipe;
    }

    /// <summary>
    /// An Acknowledgement from the peer: <paramref name="sequence"/> is the bytes it has read so far (32 bits, wrapping;
    /// counted from the end of the handshake, or from its start by clients that count the handshake too: learnt when a
    /// count exceeds what we wrote by at most <see cref="HandshakeBytes"/>; a larger excess is a count we cannot follow).
    /// Ignored while the large window is announced, and when it is older than the small window's announcement.
    /// </summary>
    public void OnPeerAcknowledged(uint sequence)
    {
        if (_ackWindow >= LargeAckWindowBytes || _acksFailed)
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
            if (_ackOffset != 0 || read - _bytesWritten > HandshakeBytes)
            {
                GiveUpAcks(); // more than it could have read
                return;
            }
            _ackOffset = HandshakeBytes;
            read -= HandshakeBytes;
        }
        if (read < _ackedRead || _awaitingAck && read <= _awaitingFrom)
            return; // out of order, repeated, or sent before the peer took the small window
        var counts = read - _ackSpacingFrom <= TrustedSpacingBytes(_ackWindow);
        _awaitingAck = false;
        _ackedRead = _ackSpacingFrom = read;
        SetAcksCount(counts);
        if (AcksCount)
            PipeBytes = AckedPipeBytes;
    }

    /// <summary>The acknowledgements did not follow the peer's reads (or never came): the kernel's view for the rest of the connection.</summary>
    private void GiveUpAcks()
    {
        if (_acksCount || _awaitingAck)
            _acksFailed = true;
        SetAcksCount(false);
    }

    /// <summary>Switches between the kernel's view and the acknowledgements; a switch restarts the read rate's span (the two views of what was read differ by KiBs).</summary>
    private void SetAcksCount(bool counts)
    {
        if (!counts)
            _awaitingAck = false;
        if (counts == _acksCount)
            return;
        _acksCount = counts;
        _count = 0;
    }
}

using System.Buffers;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;
using CallMedia.Media;
using CallMedia.Rtmp.Io;

namespace CallMedia.Rtmp.Session;

/// <summary>
/// The bytes an RTMP connection received and has not parsed yet, read straight from its socket into one pooled buffer
/// (no pipe in between). A connection that waits for data now and then (a viewer's acknowledgements, a connection before
/// its <c>publish</c>) waits with a zero-byte receive and holds no buffer while idle. A publisher
/// (<see cref="Streaming"/>) keeps its buffer and skips the zero-byte receive: .NET's socket engine tries every receive
/// before it waits for readiness (the zero-byte one is a one-byte <c>MSG_PEEK</c>), so a wake-up costs two receives
/// (the data, then the one that finds the socket empty) instead of three (peek, data, empty peek).
/// <para>
/// With a <see cref="SocketReadiness"/> (the relay's own epoll loop, <c>Media:Rtmp:IoLoop=Epoll</c>) the bytes come from
/// a non-blocking <c>recv</c> on the descriptor instead: the socket is read again at once only when the last read filled
/// the free space, and after a shorter read the next receive waits for the next readiness event, so no read ends in
/// <c>EAGAIN</c> (.NET's engine tries a receive before every wait: one empty read per wake-up).
/// </para>
/// </summary>
/// <remarks>
/// Not thread-safe: one reader at a time — the connection's read loop, or, on the epoll path while that loop's receive is
/// pending, <see cref="ConsumeInline"/> on the loop's thread (never both: the consumer runs only inside a pending wait).
/// </remarks>
internal sealed class SocketInput(Socket socket, int bufferSize, SocketReadiness? readiness = null) : IValueTaskSource<bool>, IDisposable
{
    private static readonly Action<object?> s_onReady = static s => ((SocketInput)s!).OnReady();

    /// <summary>
    /// Free space below which a shared buffer is left for a new one before a read (a chunk of the usual 4 KiB size): its
    /// parsed bytes cannot be overwritten, and a read into a smaller rest would only need another read at once.
    /// </summary>
    private const int MinFreeBytes = 4096;

    /// <summary>
    /// The most receive-buffer bytes this input keeps alive behind it through slices (<see cref="BufferedIn"/>): eight
    /// buffers of the relay's 32 KiB. At this or more, parsers get no buffer to slice (every payload is copied, as before
    /// parsing in place) until the slices of those buffers are gone. A held slice pins its whole buffer, and a viewer's
    /// queue is bounded by time and payload bytes, not by what its payloads pin: without this, a publisher that puts one
    /// small message between large ones could make a stuck viewer's queue pin a buffer per small message. In steady state
    /// at 664 kbit/s the young GOP's 500 ms of slices keep ≈ 2 buffers behind the current one; the cap leaves room for
    /// ≈ 4 Mbit/s before it copies.
    /// </summary>
    public const int MaxRetiredBytes = 8 * 32 * 1024;

    private MediaBuffer? _buffer; // shared by the messages parsed in place from it (ChunkReader slices)
    private readonly RetiredBuffers _retired = new(); // buffers left while slices held them
    private int _start;
    private int _end;

    // Epoll path: the readiness events seen at the last read, and whether that read may have left data behind.
    private int _epochSeen;
    private bool _mayHaveMore = true;
    private ManualResetValueTaskSourceCore<bool> _receive; // the pending receive (continuations inline: the reader runs on)
    private CancellationToken _waitToken;

    /// <summary>
    /// The epoll path's consumer on the loop's thread: called after a read added bytes while a receive is pending (the
    /// reader awaits it), it consumes what it can there. True: the receive stays pending (the input reads again or waits
    /// for the next event), so a wake-up resumes no continuation at all; false: the receive completes and the reader
    /// goes on. What it throws completes the receive with it. Null: every read completes the receive.
    /// </summary>
    public Func<bool>? ConsumeInline { get; set; }

    /// <summary>Data is expected all the time: keep the buffer, no zero-byte receive before a read.</summary>
    public bool Streaming { get; set; }

    /// <summary>The received bytes not consumed yet (valid until the next <see cref="ReceiveAsync"/> or <see cref="Consume"/>).</summary>
    public ReadOnlySequence<byte> Buffered =>
        _buffer is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_buffer.Array, _start, _end - _start);

    /// <summary><see cref="Buffered"/> as one span (the bytes lie in one buffer), for parsers that read spans.</summary>
    public ReadOnlySpan<byte> BufferedSpan => _buffer is null ? default : _buffer.Array.AsSpan(_start, _end - _start);

    /// <summary>
    /// The pooled buffer <see cref="Buffered"/> lies in, and where it starts there: a parser may take a message's
    /// payload as a <see cref="MediaBuffer.Slice"/> of it instead of copying. Bytes handed out so never change: while
    /// the buffer is shared, the input reads after them and moves to a new buffer when it runs out of room.
    /// Buffer null (copy every payload) while the buffers left behind with slices in them hold
    /// <see cref="MaxRetiredBytes"/> or more: what one connection's input can pin stays below
    /// <see cref="MaxRetiredBytes"/> plus two buffers (one more left behind as the cap is reached, and the current one).
    /// </summary>
    public (MediaBuffer? Buffer, int Start) BufferedIn => (_retired.FreeUnshared() < MaxRetiredBytes ? _buffer : null, _start);

    /// <summary>Bytes of the receive buffers this input left while slices still held them (as of the last look).</summary>
    public int RetiredBytes => _retired.Bytes;

    /// <summary>
    /// Receives more bytes after the buffered ones (the caller consumed what it could parse). False when the peer
    /// closed its side. Throws <see cref="SocketException"/> or <see cref="OperationCanceledException"/>.
    /// </summary>
    // Not async itself: one state machine less to resume per wake-up (each resumption is an interface cast and a call).
    public ValueTask<bool> ReceiveAsync(CancellationToken cancellationToken) =>
        readiness is not null ? ReceiveReady(readiness, cancellationToken) : ReceiveFromEngineAsync(cancellationToken);

    /// <summary>.NET's socket engine: a zero-byte receive while idle (not <see cref="Streaming"/>), then the read.</summary>
    // Pooled state machine: this is awaited once per wake-up of every connection (no allocation when it suspends).
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ReceiveFromEngineAsync(CancellationToken cancellationToken)
    {
        if (_start == _end && !Streaming)
        {
            ReturnBuffer();
            // Readiness without a buffer: returns 0 at once when data (or the peer's FIN) is there.
            await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        MakeRoom();
        var received = await socket.ReceiveAsync(_buffer!.Array.AsMemory(_end), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        if (received == 0)
            return false;
        _end += received;
        return true;
    }

    /// <summary>
    /// The epoll path: waits for a readiness event unless the last read filled the buffer, then reads what is there.
    /// Not an async method: a wait ends in <see cref="OnReady"/>, called by the readiness on the loop's thread, which
    /// reads and hands the bytes to <see cref="ConsumeInline"/> when set (no continuation at all while it takes them), or
    /// completes the receive (<see cref="_receive"/>): at most one continuation per wake-up (the reader's).
    /// </summary>
    private ValueTask<bool> ReceiveReady(SocketReadiness ready, CancellationToken cancellationToken)
    {
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            _receive.Reset();
            _waitToken = cancellationToken;
            return ReadOrWait(ready, cancellationToken) switch
            {
                ReadOutcome.Data => new ValueTask<bool>(true),
                ReadOutcome.End => new ValueTask<bool>(false),
                _ => new ValueTask<bool>(this, _receive.Version),
            };
        }
        catch (Exception ex)
        {
            return ValueTask.FromException<bool>(ex); // as an async method would: failures come with the awaited result
        }
    }

    /// <summary>What a read of the epoll path found.</summary>
    private enum ReadOutcome
    {
        /// <summary>Bytes were added to the buffer.</summary>
        Data,
        /// <summary>The peer closed its side.</summary>
        End,
        /// <summary>Nothing there: a wait is pending (it ends in <see cref="OnReady"/>), or, from one read, wait now.</summary>
        Waiting,
    }

    /// <summary>
    /// Reads, or waits for readiness first when the last read drained the socket: <see cref="ReadOutcome.Data"/>,
    /// <see cref="ReadOutcome.End"/>, or <see cref="ReadOutcome.Waiting"/> (a wait is pending: it ends in
    /// <see cref="OnReady"/>). A wake-up that finds nothing (the event was for bytes an earlier read already took) waits
    /// again. Idle connections give their buffer back before they wait.
    /// </summary>
    private ReadOutcome ReadOrWait(SocketReadiness ready, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (!_mayHaveMore)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (_start == _end && !Streaming)
                    ReturnBuffer();
                if (ready.WaitThen(_epochSeen, cancellationToken, s_onReady, this))
                    return ReadOutcome.Waiting;
            }
            var outcome = ReadOnce(ready);
            if (outcome != ReadOutcome.Waiting)
                return outcome;
        }
    }

    /// <summary>One non-blocking read: <see cref="ReadOutcome.Data"/>, <see cref="ReadOutcome.End"/>, or <see cref="ReadOutcome.Waiting"/> (nothing there: wait).</summary>
    private ReadOutcome ReadOnce(SocketReadiness ready)
    {
        MakeRoom();
        _epochSeen = ready.Epoch;
        var array = _buffer!.Array;
        var free = array.Length - _end;
        var received = ready.Receive(array.AsSpan(_end));
        if (received == 0)
        {
            _mayHaveMore = true; // the end is sticky: a later receive finds it again without waiting
            return ReadOutcome.End;
        }
        _mayHaveMore = received == free;
        if (received < 0)
            return ReadOutcome.Waiting;
        _end += received;
        return ReadOutcome.Data;
    }

    /// <summary>
    /// A wait of <see cref="ReadOrWait"/> ended (an event, or what ended it throws): read, or wait again, and complete
    /// the receive — unless <see cref="ConsumeInline"/> takes the bytes, then read or wait on.
    /// </summary>
    private void OnReady()
    {
        ReadOutcome outcome;
        try
        {
            readiness!.EndWait();
            _mayHaveMore = true; // an event came: read before waiting again
            outcome = ReadOrWait(readiness, _waitToken);
            while (outcome == ReadOutcome.Data && ConsumeInline is { } consume && consume())
                outcome = ReadOrWait(readiness, _waitToken);
        }
        catch (Exception ex)
        {
            _receive.SetException(ex);
            return;
        }
        if (outcome != ReadOutcome.Waiting)
            _receive.SetResult(outcome == ReadOutcome.Data);
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _receive.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _receive.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _receive.OnCompleted(continuation, state, token, flags);

    /// <summary>Marks the first <paramref name="bytes"/> of <see cref="Buffered"/> as parsed.</summary>
    public void Consume(long bytes)
    {
        _start += checked((int)bytes);
        if (_start < _end)
            return;
        if (!Streaming)
            ReturnBuffer();
        else if (_buffer is not null && !_buffer.IsShared)
            _start = _end = 0; // nothing handed out lives in it: read from its start again
    }

    /// <summary>
    /// A buffer with free space after the data: rented, compacted, or (a chunk larger than it) doubled; a new one when
    /// it is shared (messages parsed in place from it still live) and the room after the data is short.
    /// </summary>
    private void MakeRoom()
    {
        if (_buffer is null)
        {
            _buffer = MediaBuffer.Rent(bufferSize);
            return;
        }
        var array = _buffer.Array;
        var shared = _buffer.IsShared;
        if (_end < array.Length && (!shared || array.Length - _end >= MinFreeBytes))
            return;
        var length = _end - _start;
        if (!shared && length < array.Length)
        {
            Buffer.BlockCopy(array, _start, array, 0, length);
        }
        else
        {
            var target = MediaBuffer.Rent(length == array.Length ? array.Length * 2 : array.Length);
            Buffer.BlockCopy(array, _start, target.Array, 0, length);
            _retired.Retire(_buffer);
            _buffer = target;
        }
        _start = 0;
        _end = length;
    }

    private void ReturnBuffer()
    {
        if (_buffer is null)
            return;
        _retired.Retire(_buffer);
        _buffer = null;
        _start = _end = 0;
    }

    /// <summary>Returns the buffers and leaves the epoll loop; call once no receive is pending.</summary>
    public void Dispose()
    {
        readiness?.Dispose();
        ReturnBuffer();
        _retired.ReleaseAll();
    }
}

using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Tasks.Sources;

namespace CallMedia.Rtmp.Io;

/// <summary>
/// A socket registered with an <see cref="EpollLoop"/>: a count of readiness events (<see cref="Epoch"/>), one waiter
/// at a time resumed on the loop's thread when the count moves, and the non-blocking <c>recv</c> on the descriptor.
/// The reader takes <see cref="Epoch"/> before a receive; a receive that returned less than asked means the socket is
/// drained, so it waits for the count to move past what it took (an event that came in between is not lost, and no
/// receive is spent on finding the socket empty: nginx's <c>ngx_unix_recv</c> does the same with its <c>ready</c> flag).
/// </summary>
/// <remarks>
/// One reader; <see cref="Signal"/> from the loop's thread, cancellation from any thread. Holds a reference on the
/// socket's handle until disposed (its descriptor cannot be reused while the loop knows it): dispose this before the
/// socket, whose <c>Dispose</c> waits for every reference to go.
/// </remarks>
internal sealed class SocketReadiness : IValueTaskSource, IDisposable
{
    private const int Idle = 0;
    private const int Waiting = 1;

    private readonly EpollLoop _loop;
    private readonly SafeHandle _handle;
    private ManualResetValueTaskSourceCore<bool> _core; // continuations run inline: on the loop's thread
    private int _epoch;
    private int _state;
    private int _disposed;
    private bool _hungUp;
    private CancellationToken _registeredToken;
    private CancellationTokenRegistration _registration;

    internal SocketReadiness(EpollLoop loop, Socket socket, ulong id)
    {
        _loop = loop;
        Id = id;
        _handle = socket.SafeHandle;
        var added = false;
        _handle.DangerousAddRef(ref added);
        Descriptor = (int)_handle.DangerousGetHandle();
    }

    /// <summary>The loop's key of this registration (epoll's <c>data.u64</c>).</summary>
    internal ulong Id { get; }

    /// <summary>The socket's descriptor, open while this is registered.</summary>
    internal int Descriptor { get; }

    /// <summary>Readiness events seen so far (wraps; compared for equality only).</summary>
    public int Epoch => Volatile.Read(ref _epoch);

    /// <summary>
    /// Non-blocking receive into <paramref name="buffer"/>: the count (&gt; 0), 0 when the peer closed its side, −1 when
    /// nothing is there (<c>EAGAIN</c>). Other errors throw a <see cref="SocketException"/>.
    /// </summary>
    public unsafe int Receive(Span<byte> buffer)
    {
        while (true)
        {
            nint received;
            fixed (byte* bytes = buffer)
                received = EpollNative.Receive(Descriptor, bytes, (nuint)buffer.Length, EpollNative.MsgDontWait);
            if (received >= 0)
                return (int)received;
            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno == EpollNative.EAgain)
                return -1;
            if (errno == EpollNative.EIntr)
                continue;
            throw new SocketException((int)(errno == EpollNative.EConnReset ? SocketError.ConnectionReset : SocketError.SocketError));
        }
    }

    /// <summary>
    /// The peer closed its side or the socket failed (<c>EPOLLRDHUP</c>, <c>EPOLLHUP</c>, <c>EPOLLERR</c> seen): reads
    /// never wait again, they find the end or the error (the edge of the close may have come with the last data).
    /// </summary>
    public bool HungUp => Volatile.Read(ref _hungUp);

    /// <summary>
    /// Completes at once when <see cref="Epoch"/> is no longer <paramref name="seen"/> or the peer hung up, else on the
    /// next event.
    /// </summary>
    public ValueTask WaitAsync(int seen, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Epoch != seen || HungUp)
            return ValueTask.CompletedTask;
        if (cancellationToken != _registeredToken)
        {
            _registration.Dispose();
            _registeredToken = cancellationToken;
            _registration = cancellationToken.CanBeCanceled
                ? cancellationToken.UnsafeRegister(static s => ((SocketReadiness)s!).Cancel(), this)
                : default;
        }
        _core.Reset();
        Volatile.Write(ref _state, Waiting);
        // An event or a cancellation between the look above and the write: take the wait back if nobody else did.
        if ((Epoch != seen || HungUp || cancellationToken.IsCancellationRequested || Volatile.Read(ref _disposed) != 0)
            && Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return ValueTask.CompletedTask;
        }
        return new ValueTask(this, _core.Version);
    }

    /// <summary>
    /// <see cref="WaitAsync"/> without an await: false when the wait is over at once (a cancellation throws), else true
    /// and <paramref name="onReady"/>(<paramref name="state"/>) is called when it ends — on the loop's thread for an
    /// event, on the cancelling thread otherwise — and must call <see cref="EndWait"/>. Saves the reader a state
    /// machine to resume per wake-up.
    /// </summary>
    public bool WaitThen(int seen, CancellationToken cancellationToken, Action<object?> onReady, object? state)
    {
        var wait = WaitAsync(seen, cancellationToken);
        if (wait.IsCompleted)
        {
            wait.GetAwaiter().GetResult();
            return false;
        }
        _core.OnCompleted(onReady, state, _core.Version, ValueTaskSourceOnCompletedFlags.None);
        return true;
    }

    /// <summary>Ends a wait that <see cref="WaitThen"/> reported: throws what ended it if not an event (cancellation, dispose).</summary>
    public void EndWait() => _core.GetResult(_core.Version);

    /// <summary>A readiness event with its epoll flags (the loop's thread): resumes the waiter, if any, inline.</summary>
    internal void Signal(uint events)
    {
        if ((events & (EpollNative.EpollRdHup | EpollNative.EpollHup | EpollNative.EpollErr)) != 0)
            Volatile.Write(ref _hungUp, true);
        Interlocked.Increment(ref _epoch);
        if (Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
            _core.SetResult(true);
    }

    private void Cancel()
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
            _core.SetException(new OperationCanceledException(_registeredToken));
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    internal void ReleaseHandle() => _handle.DangerousRelease();

    /// <summary>Leaves the loop and lets the socket's descriptor close; a pending wait ends with a socket error.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _registration.Dispose();
        _loop.Unregister(this);
        if (Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
            _core.SetException(new ObjectDisposedException(nameof(SocketReadiness)));
        ReleaseHandle();
    }
}

using System.Net.WebSockets;
using System.Text;

namespace CallService.Realtime;

/// <summary>
/// One WebSocket of a user. Frames are queued (bounded) and written one at a time in order, so publishers never wait
/// on a slow socket; a socket that falls 1024 frames behind is closed (the client resumes after reconnecting).
/// A connection exists before its socket: it is attached to the hub first and <see cref="Open"/>ed once the upgrade
/// is answered, so an event published in between waits in the queue instead of being lost.
/// </summary>
/// <remarks>
/// Send path: when no send is in progress, the publisher's thread starts the send itself; a small frame on a healthy
/// socket completes synchronously (one <c>send</c> call), so an event costs no thread-pool hop and no wake-up of a
/// writer task. Only when a send does not complete at once does an async continuation take over and drain the queue.
/// Frames are UTF-8 bytes, encoded once per event by the hub (shared by every socket and the history).
/// </remarks>
internal sealed class RealtimeConnection(ILogger logger)
{
    private const int MaxQueued = 1024;

    private readonly Lock _gate = new();
    private readonly Queue<byte[]> _queue = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebSocket? _socket;
    private bool _sending = true; // a send owns the socket (inline or its async continuation); until Open, nobody may send
    private bool _completed; // no more frames are accepted; _drained is set once the queue is empty
    private int _overflowed;
    private CancellationToken _cancellation;

    /// <summary>The user's last seq when this socket attached (set by the hub under the user's lock).</summary>
    public long AttachedAtSeq { get; set; }

    public void Enqueue(string frame) => Enqueue(Encoding.UTF8.GetBytes(frame));

    /// <summary>The upgrade is answered: frames queued so far are written, in order, then new ones as they come.</summary>
    public void Open(WebSocket socket)
    {
        _socket = socket;
        if (TryNext(out var first)) Send(first);
    }

    /// <summary>The upgrade failed: nothing will be written.</summary>
    public void Abandon() => Fail();

    public void Enqueue(byte[] frame)
    {
        lock (_gate)
        {
            if (_completed) return;
            if (_sending)
            {
                if (_queue.Count >= MaxQueued)
                {
                    Overflow();
                    return;
                }
                _queue.Enqueue(frame);
                return;
            }
            _sending = true;
        }
        Send(frame);
    }

    /// <summary>Stops accepting frames; <see cref="WriteLoopAsync"/> ends once the queued ones are written.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            if (!_sending) _drained.TrySetResult();
        }
    }

    /// <summary>Runs until <see cref="Complete"/> (or an overflow, or a failed send) and the queue is written.</summary>
    public async Task WriteLoopAsync(CancellationToken cancellationToken)
    {
        _cancellation = cancellationToken;
        try
        {
            await _drained.Task.WaitAsync(cancellationToken);
            if (_overflowed == 1 && _socket is { State: WebSocketState.Open } socket)
                await socket.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, "too slow", cancellationToken);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The reader side notices the closed socket and detaches.
        }
    }

    /// <summary>Writes <paramref name="frame"/> and then whatever was queued meanwhile; the caller owns <c>_sending</c>.</summary>
    private void Send(byte[] frame)
    {
        while (true)
        {
            ValueTask pending;
            try
            {
                pending = _socket!.SendAsync((ReadOnlyMemory<byte>)frame, WebSocketMessageType.Text, true, _cancellation);
                if (pending.IsCompletedSuccessfully)
                    pending.GetAwaiter().GetResult();
                else
                {
                    _ = SendSlowAsync(pending);
                    return;
                }
            }
            catch (Exception)
            {
                // A closed or failed socket: the reader side notices and detaches. Never thrown into a publisher.
                Fail();
                return;
            }
            if (!TryNext(out frame)) return;
        }
    }

    private async Task SendSlowAsync(ValueTask pending)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception)
        {
            Fail();
            return;
        }
        if (TryNext(out var next)) Send(next);
    }

    /// <summary>The next queued frame, or releases the socket (and signals a completed, drained connection).</summary>
    private bool TryNext(out byte[] frame)
    {
        lock (_gate)
        {
            if (_queue.TryDequeue(out frame!)) return true;
            _sending = false;
            if (_completed) _drained.TrySetResult();
            return false;
        }
    }

    private void Overflow()
    {
        if (Interlocked.Exchange(ref _overflowed, 1) != 0) return;
        logger.LogWarning("Realtime socket too slow; closing it");
        _completed = true; // the queued frames are still written, then the output is closed
    }

    private void Fail()
    {
        lock (_gate)
        {
            _completed = true;
            _sending = false;
            _queue.Clear();
            _drained.TrySetResult();
        }
    }
}

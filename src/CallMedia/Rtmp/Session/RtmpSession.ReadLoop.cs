using CallMedia.Media;
using CallMedia.Relay;
using CallMedia.Rtmp.Chunks;
using CallMedia.Rtmp.Protocol;

namespace CallMedia.Rtmp.Session;

internal sealed partial class RtmpSession
{
    // The read loop's idle timer (set while the loop runs) and when it was last pushed back (long.MaxValue: not armed).
    private CancellationTokenSource? _idle;
    private long _idleArmedAt = long.MaxValue;

    /// <summary>
    /// Parses what is buffered (the handshake may have received the first command with C2), handles it, receives more.
    /// The idle timer of a connection that does not play is pushed back at most every quarter of
    /// <c>Media:IdleTimeoutMs</c>, armed for the timeout plus that quarter (it fires 1–1.25 timeouts after the last
    /// byte), not at every receive: re-arming a timer takes the runtime's timer-queue lock.
    /// <para>
    /// On the relay's epoll loop most wake-ups never resume this method: the input hands what it read to
    /// <see cref="ConsumeInline"/> on the loop's thread (media, data and protocol control are handled there, as this
    /// loop would), and the pending receive completes only for what must await (a command) or ends the connection.
    /// </para>
    /// </summary>
    private async Task ReadLoopAsync()
    {
        // The idle timer runs on the relay's clock, the same clock that decides when to push it back.
        using var idle = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _hub.Time);
        using var linked = _cts.Token.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), idle);
        _idle = idle;
        _input.ConsumeInline = ConsumeInline;
        try
        {
            var open = true;
            while (true)
            {
                try
                {
                    ParseBuffered(); // inside: what a failed parse (or an earlier hand-over) left queued is released
                    for (var i = 0; i < _pending.Count; i++)
                    {
                        var message = _pending[i];
                        _pending[i] = default;
                        await HandleMessageAsync(message).ConfigureAwait(false);
                    }
                }
                finally
                {
                    ReleasePending();
                }
                if (!open || _cts.IsCancellationRequested)
                    return;
                ArmIdleTimer();
                try
                {
                    open = await _input.ReceiveAsync(idle.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!_cts.IsCancellationRequested && idle.IsCancellationRequested)
                {
                    RtmpThrow.Reject(RtmpRejectReason.IdleTimeout, $"nothing received for {_options.IdleTimeoutMs} ms");
                    return;
                }
            }
        }
        finally
        {
            _input.ConsumeInline = null;
            _idle = null;
        }
    }

    /// <summary>
    /// What the read loop does with received bytes, run by the input on the epoll loop's thread while the loop's receive
    /// is pending: parse, handle every message that completes without awaiting, push the idle timer back. Returns false
    /// to hand over to the read loop — a command (it awaits the access policy and the coordinator) and what follows it
    /// stay queued for it, in order — or when the connection is closing.
    /// </summary>
    private bool ConsumeInline()
    {
        var handled = 0;
        var now = _hub.Time.GetMilliseconds(); // one clock read per read: the fan-outs and the idle timer use it
        // The read's messages reach each viewer's writer together: one send per viewer per read, not per message.
        RelayStream.BeginWakeBatch();
        try
        {
            ParseBuffered();
            for (; handled < _pending.Count; handled++)
            {
                var message = _pending[handled];
                if (IsCommand(message.Type))
                    break;
                _pending[handled] = default;
                HandleNow(message, now);
            }
        }
        catch
        {
            ReleasePending();
            throw; // ends the pending receive with it: the read loop fails as if it had handled the message
        }
        finally
        {
            RelayStream.EndWakeBatch();
        }
        if (handled < _pending.Count)
        {
            _pending.RemoveFirst(handled);
            return false;
        }
        _pending.Clear();
        if (_cts.IsCancellationRequested)
            return false;
        ArmIdleTimer(now);
        return true;
    }

    /// <summary>Parses the buffered bytes into <see cref="_pending"/>, consumes them, acknowledges the peer's window.</summary>
    private void ParseBuffered()
    {
        var consumed = ParseMessages(_input.BufferedSpan);
        Volatile.Write(ref _bytesRead, _bytesRead + consumed);
        _input.Consume(consumed);
        MaybeAcknowledge();
    }

    private void ReleasePending()
    {
        foreach (var left in _pending.AsSpan())
            left.Payload?.Release();
        _pending.Clear();
    }

    /// <summary>Pushes the idle timer back (at most every quarter timeout); a connection that plays has none.</summary>
    private void ArmIdleTimer() => ArmIdleTimer(_hub.Time.GetMilliseconds());

    /// <summary><see cref="ArmIdleTimer()"/> at <paramref name="now"/> (milliseconds of the relay's clock, read by the caller).</summary>
    private void ArmIdleTimer(long now)
    {
        var idle = _idle!;
        if (_viewer is not null)
        {
            if (_idleArmedAt != long.MaxValue)
                idle.CancelAfter(Timeout.Infinite);
            _idleArmedAt = long.MaxValue;
            return;
        }
        var slackMs = Math.Max(_options.IdleTimeoutMs / 4, 1);
        if (_idleArmedAt == long.MaxValue || now - _idleArmedAt >= slackMs)
        {
            idle.CancelAfter(_options.IdleTimeoutMs + slackMs);
            _idleArmedAt = now;
        }
    }

    /// <summary>Parses complete messages; protocol control that changes chunk parsing is applied at once.</summary>
    private int ParseMessages(ReadOnlySpan<byte> buffer)
    {
        var position = 0;
        var (backing, start) = _input.BufferedIn;
        _chunks.ReadFrom(backing, start); // single-chunk messages are taken in place (slices of the input's buffer)
        try
        {
            while (_chunks.TryRead(buffer, ref position, out var message))
            {
                switch (message.Type)
                {
                    case RtmpMessageType.SetChunkSize:
                        var size = ReadUInt32(message);
                        if (size > (uint)_options.MaxChunkSize && size <= ChunkReader.MaxChunkSize)
                            RtmpThrow.Reject(RtmpRejectReason.ChunkSizeTooLarge, $"chunk size {size}");
                        _chunks.SetChunkSize(size);
                        break;
                    case RtmpMessageType.Abort:
                        _chunks.Abort(ReadUInt32(message));
                        break;
                    default:
                        _pending.Add(message);
                        continue;
                }
            }
        }
        finally
        {
            _chunks.ReadFrom(null, 0);
        }
        return position;
    }

    private static uint ReadUInt32(RtmpMessage message)
    {
        try
        {
            if (message.Payload.Length < 4)
                RtmpThrow.Reject(RtmpRejectReason.ProtocolStateViolation, $"{message.Type} shorter than 4 bytes");
            return System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(message.Payload.Span);
        }
        finally
        {
            message.Payload.Release();
        }
    }

    private void MaybeAcknowledge()
    {
        if (_peerWindowAck == 0 || _bytesRead - _lastAckAt < _peerWindowAck)
            return;
        _lastAckAt = _bytesRead;
        SendControl(RtmpMessageType.Acknowledgement, BigEndian((uint)_bytesRead));
    }
}

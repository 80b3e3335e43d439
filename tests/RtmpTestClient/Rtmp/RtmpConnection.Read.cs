using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using RtmpTestClient.Amf;
using RtmpTestClient.Chunking;

namespace RtmpTestClient.Rtmp;

public sealed partial class RtmpConnection
{
    private readonly ChunkReader _reader = new();
    private readonly Lock _stateLock = new();
    private readonly Dictionary<double, TaskCompletionSource<List<object?>>> _calls = [];
    private readonly List<string> _statusCodes = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Done)> _statusWaiters = [];
    private readonly TaskCompletionSource<Exception?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private double _nextTransactionId = 1;
    private long _bytesReceived;
    private long _lastAckAt;
    private uint _windowAckSize;

    /// <summary>
    /// Completes when the connection is closed, by either side. Its result is null for an orderly end of stream
    /// and the failure otherwise (reset, protocol error).
    /// </summary>
    public Task<Exception?> Closed => _closed.Task;

    /// <summary>
    /// Every <c>onStatus</c> <c>info.code</c> and <c>_error</c> code received, in order, plus
    /// <c>UserControl.StreamBegin</c>/<c>UserControl.StreamEOF</c> for those events.
    /// </summary>
    public IReadOnlyList<string> StatusCodes
    {
        get
        {
            lock (_stateLock)
                return _statusCodes.ToArray();
        }
    }

    /// <summary>
    /// Waits for a status code matching <paramref name="match"/> (already received ones count). Throws
    /// <see cref="TimeoutException"/> after <paramref name="timeout"/>, <see cref="IOException"/> if the
    /// connection closes first.
    /// </summary>
    public async Task<string> WaitForStatusAsync(Func<string, bool> match, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_stateLock)
        {
            var existing = _statusCodes.FirstOrDefault(match);
            if (existing is not null)
                return existing;
            _statusWaiters.Add((match, done));
        }
        var first = await Task.WhenAny(done.Task, Closed, Task.Delay(timeout, cancellationToken)).ConfigureAwait(false);
        if (first == done.Task)
            return await done.Task.ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        // A status that arrived together with the close still counts.
        lock (_stateLock)
        {
            var late = _statusCodes.FirstOrDefault(match);
            if (late is not null)
                return late;
        }
        throw first == Closed
            ? new IOException($"RTMP connection closed before the expected status; got: {string.Join(", ", StatusCodes)}")
            : new TimeoutException($"No matching RTMP status within {timeout}; got: {string.Join(", ", StatusCodes)}");
    }

    private (double Id, TaskCompletionSource<List<object?>> Pending) RegisterCall()
    {
        var pending = new TaskCompletionSource<List<object?>>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_stateLock)
        {
            var id = _nextTransactionId++;
            _calls[id] = pending;
            return (id, pending);
        }
    }

    private async Task ReadLoopAsync()
    {
        await Task.Yield();
        Exception? failure = null;
        var replies = new List<RtmpMessage>();
        try
        {
            while (true)
            {
                var result = await _input.ReadAsync(_shutdown.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                var consumed = Parse(buffer, replies);
                _input.AdvanceTo(consumed, buffer.End);
                foreach (var reply in replies)
                    await SendAsync(reply, _shutdown.Token).ConfigureAwait(false);
                replies.Clear();
                if (result.IsCompleted)
                    break;
            }
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            failure = _shutdown.IsCancellationRequested ? null : ex;
        }
        await _input.CompleteAsync().ConfigureAwait(false);
        OnClosed(failure);
    }

    private SequencePosition Parse(ReadOnlySequence<byte> buffer, List<RtmpMessage> replies)
    {
        var reader = new SequenceReader<byte>(buffer);
        while (_reader.TryRead(ref reader, out var message))
            Dispatch(message, Stopwatch.GetTimestamp(), replies);
        _bytesReceived += reader.Consumed;
        if (_windowAckSize > 0 && _bytesReceived - _lastAckAt >= _windowAckSize)
        {
            _lastAckAt = _bytesReceived;
            replies.Add(Control(RtmpMessageType.Acknowledgement, (uint)_bytesReceived));
        }
        return reader.Position;
    }

    private void Dispatch(in RtmpMessage message, long arrivalTicks, List<RtmpMessage> replies)
    {
        Options.MessageObserver?.Invoke(message, arrivalTicks);
        var payload = message.Payload.Span;
        switch (message.TypeId)
        {
            case RtmpMessageType.SetChunkSize:
                _reader.ChunkSize = (int)(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7FFFFFFF);
                break;
            case RtmpMessageType.Abort:
                _reader.Abort((int)BinaryPrimitives.ReadUInt32BigEndian(payload));
                break;
            case RtmpMessageType.WindowAckSize:
                _windowAckSize = BinaryPrimitives.ReadUInt32BigEndian(payload);
                break;
            case RtmpMessageType.UserControl:
                OnUserControl(payload, replies);
                break;
            case RtmpMessageType.CommandAmf0:
                OnCommand(Amf0Reader.ReadAll(payload));
                break;
            case RtmpMessageType.Audio or RtmpMessageType.Video or RtmpMessageType.DataAmf0:
                MediaReceived?.Invoke(message, arrivalTicks);
                break;
        }
    }

    private void OnUserControl(ReadOnlySpan<byte> payload, List<RtmpMessage> replies)
    {
        if (payload.Length < 2)
            return;
        switch (BinaryPrimitives.ReadUInt16BigEndian(payload))
        {
            case 0:
                AddStatus("UserControl.StreamBegin");
                break;
            case 1:
                AddStatus("UserControl.StreamEOF");
                break;
            case 6 when payload.Length >= 6: // PingRequest → PingResponse with the same timestamp
                var response = new byte[6];
                BinaryPrimitives.WriteUInt16BigEndian(response, 7);
                payload[2..6].CopyTo(response.AsSpan(2));
                replies.Add(new RtmpMessage(ControlChunkStream, RtmpMessageType.UserControl, 0, 0, response));
                break;
        }
    }

    private void OnCommand(List<object?> values)
    {
        var name = values.Count > 0 ? values[0] as string : null;
        var info = values.Count > 3 ? values[3] as AmfObject : null;
        switch (name)
        {
            case "_result" or "_error" when values.Count > 1 && values[1] is double id:
                TaskCompletionSource<List<object?>>? pending;
                lock (_stateLock)
                    _calls.Remove(id, out pending);
                if (name == "_result")
                {
                    pending?.TrySetResult(values);
                    break;
                }
                var code = info?.GetString("code") ?? "";
                AddStatus(code);
                pending?.TrySetException(new RtmpStatusException(code, info?.GetString("description")));
                break;
            case "onStatus" when info?.GetString("code") is { } status:
                AddStatus(status);
                break;
        }
    }

    private void AddStatus(string code)
    {
        List<TaskCompletionSource<string>> done = [];
        lock (_stateLock)
        {
            _statusCodes.Add(code);
            for (var i = _statusWaiters.Count - 1; i >= 0; i--)
            {
                if (_statusWaiters[i].Match(code))
                {
                    done.Add(_statusWaiters[i].Done);
                    _statusWaiters.RemoveAt(i);
                }
            }
        }
        foreach (var waiter in done)
            waiter.TrySetResult(code);
    }

    private void OnClosed(Exception? failure)
    {
        List<TaskCompletionSource<List<object?>>> calls;
        lock (_stateLock)
        {
            calls = [.. _calls.Values];
            _calls.Clear();
        }
        foreach (var call in calls)
            call.TrySetException(new IOException("RTMP connection closed before the answer.", failure));
        _closed.TrySetResult(failure);
    }

    private static RtmpMessage Control(byte type, uint value)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, value);
        return new RtmpMessage(ControlChunkStream, type, 0, 0, payload);
    }
}

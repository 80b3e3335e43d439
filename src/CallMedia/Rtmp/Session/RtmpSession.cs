using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using CallMedia.Access;
using CallMedia.Delivery;
using CallMedia.Delivery.Framing;
using CallMedia.Hosting;
using CallMedia.Relay;
using CallMedia.Rtmp.Chunks;
using CallMedia.Rtmp.Protocol;
using CallMedia.Stats;
using Microsoft.Extensions.Logging;
using CallMedia.Logging;

namespace CallMedia.Rtmp.Session;

/// <summary>
/// One RTMP connection: a read loop over a <see cref="PipeReader"/> (handshake, then chunks → messages →
/// commands/media) and the connection's <see cref="ViewerWriter"/> draining its <see cref="ViewerQueue"/> with
/// gather writes. A protocol violation closes this connection only, with one log line.
/// </summary>
internal sealed partial class RtmpSession : IPublisherSession, IConnectionTraffic
{
    private static long s_nextId;

    private readonly Socket _socket;
    private readonly PipeReader _reader;
    private readonly StreamHub _hub;
    private readonly IStreamAccessPolicy _policy;
    private readonly MediaOptions _options;
    private readonly ILogger _logger;
    private readonly ChunkReader _chunks;
    private readonly ViewerQueue _queue;
    private readonly RtmpChunkFraming _framing;
    private readonly KernelBacklogGate _gate;
    private readonly ViewerWriter _writer;
    private readonly CancellationTokenSource _cts;
    private readonly List<RtmpMessage> _pending = new();
    private RtmpSessionState _state = RtmpSessionState.HandshakeC0C1;
    private int _closeReason;
    private long _bytesRead;
    private long _lastAckAt;
    private uint _peerWindowAck;

    public RtmpSession(Socket socket, StreamHub hub, IStreamAccessPolicy policy, ILogger logger, CancellationToken shutdown)
    {
        _socket = socket;
        _hub = hub;
        _policy = policy;
        _options = hub.Options;
        _logger = logger;
        SessionId = Interlocked.Increment(ref s_nextId);
        Remote = socket.RemoteEndPoint;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        _chunks = new ChunkReader(_options.MaxMessageLength);
        _queue = new ViewerQueue(DropLimits.From(_options), hub.Time);
        _framing = new RtmpChunkFraming(socket);
        _gate = new KernelBacklogGate(socket, _queue);
        _writer = new ViewerWriter(_queue, _gate, _framing);
        // Zero-byte reads: an idle or silent connection holds no buffer until data arrives (2000 connections).
        _reader = PipeReader.Create(new NetworkStream(socket, ownsSocket: false),
            new StreamPipeReaderOptions(bufferSize: 32768, minimumReadSize: 8192, useZeroByteReads: true));
    }

    public long SessionId { get; }

    public EndPoint? Remote { get; }

    public RtmpSessionState State => _state;

    /// <inheritdoc />
    public long BytesReceived => Volatile.Read(ref _bytesRead);

    /// <inheritdoc />
    public ViewerCounters Sent => _queue.Counters;

    /// <summary>Runs the connection to its end; never throws.</summary>
    public async Task RunAsync()
    {
        Task? writer = null;
        try
        {
            await HandshakeAsync().ConfigureAwait(false);
            _state = RtmpSessionState.AwaitingConnect;
            writer = RunWriterAsync();
            await ReadLoopAsync().ConfigureAwait(false);
            SetCloseReason(DisconnectReason.Closed);
        }
        catch (RtmpProtocolException ex)
        {
            SetCloseReason(DisconnectReason.ProtocolViolation);
            LogRejected(SessionId, Remote, ex.Reason, ex.Message, StreamLabel);
        }
        catch (OperationCanceledException)
        {
            SetCloseReason(DisconnectReason.Closed);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            SetCloseReason(DisconnectReason.ConnectionError);
        }
        catch (Exception ex)
        {
            SetCloseReason(DisconnectReason.InternalError);
            LogFailed(ex, SessionId, StreamLabel);
        }
        finally
        {
            await CloseAsync(writer).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public void Kick(DisconnectReason reason)
    {
        SetCloseReason(reason);
        Abort();
    }

    private void Abort()
    {
        try { _cts.Cancel(); } catch (ObjectDisposedException) { }
        try { _socket.Shutdown(SocketShutdown.Both); } catch (Exception) { /* already closed */ }
    }

    private async Task ReadLoopAsync()
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(_cts.Token);
        while (true)
        {
            idle.CancelAfter(_viewer is null ? _options.IdleTimeoutMs : Timeout.Infinite);
            ReadResult result;
            try
            {
                result = await _reader.ReadAsync(idle.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!_cts.IsCancellationRequested)
            {
                RtmpThrow.Reject(RtmpRejectReason.IdleTimeout, $"nothing received for {_options.IdleTimeoutMs} ms");
                return;
            }
            var buffer = result.Buffer;
            var consumed = ParseMessages(buffer);
            _bytesRead += buffer.Slice(0, consumed).Length;
            _reader.AdvanceTo(consumed, buffer.End);
            MaybeAcknowledge();
            try
            {
                for (var i = 0; i < _pending.Count; i++)
                {
                    var message = _pending[i];
                    _pending[i] = default;
                    await HandleMessageAsync(message).ConfigureAwait(false);
                }
            }
            finally
            {
                foreach (var left in _pending)
                    left.Payload?.Release();
                _pending.Clear();
            }
            if (result.IsCompleted || _cts.IsCancellationRequested)
                return;
        }
    }

    /// <summary>Parses complete messages; protocol control that changes chunk parsing is applied at once.</summary>
    private SequencePosition ParseMessages(ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        while (_chunks.TryRead(ref reader, out var message))
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
        return reader.Position;
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

    private async Task CloseAsync(Task? writer)
    {
        if (SocketThreads.IsCurrent)
            await Task.Yield(); // leaving the streams raises media events (the host's store commits): off the socket thread
        _state = RtmpSessionState.Closed;
        LeaveStreams(SetCloseReason(DisconnectReason.Closed));
        _queue.Clear();
        Abort();
        try { _socket.Dispose(); } catch (Exception) { /* closing anyway */ }
        if (writer is not null)
        {
            try { await writer.ConfigureAwait(false); } catch (Exception) { /* logged by the writer path */ }
        }
        await _reader.CompleteAsync().ConfigureAwait(false);
        _chunks.Dispose();
        _cts.Dispose();
        LogClosed(SessionId, Remote, StreamLabel, CloseReason.ToWire());
    }

    private string StreamLabel => LogText.Escape(_publishName ?? _viewer?.StreamName) ?? "-"; // client text: escaped for the log

    [LoggerMessage(Level = LogLevel.Warning, Message = "RTMP session {SessionId} from {Remote} rejected: {Reason} ({Detail}); stream {Stream}")]
    private partial void LogRejected(long sessionId, EndPoint? remote, RtmpRejectReason reason, string detail, string stream);

    [LoggerMessage(Level = LogLevel.Error, Message = "RTMP session {SessionId} failed; stream {Stream}")]
    private partial void LogFailed(Exception ex, long sessionId, string stream);

    [LoggerMessage(Level = LogLevel.Information, Message = "RTMP session {SessionId} from {Remote} closed; stream {Stream}; reason {Reason}")]
    private partial void LogClosed(long sessionId, EndPoint? remote, string stream, string reason);
}

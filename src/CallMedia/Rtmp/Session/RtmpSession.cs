using System.Buffers;
using System.Net;
using System.Net.Sockets;
using CallMedia.Access;
using CallMedia.Delivery;
using CallMedia.Delivery.Framing;
using CallMedia.Hosting;
using CallMedia.Media;
using CallMedia.Relay;
using CallMedia.Rtmp.Chunks;
using CallMedia.Rtmp.Protocol;
using CallMedia.Stats;
using Microsoft.Extensions.Logging;
using CallMedia.Logging;

namespace CallMedia.Rtmp.Session;

/// <summary>
/// One RTMP connection: a read loop over a <see cref="SocketInput"/> (handshake, then chunks → messages →
/// commands/media) and the connection's <see cref="ViewerWriter"/> draining its <see cref="ViewerQueue"/>, one send
/// per wake-up. A protocol violation closes this connection only, with one log line.
/// </summary>
internal sealed partial class RtmpSession : IPublisherSession, IConnectionTraffic
{
    private static long s_nextId;

    /// <summary>Receive buffer: a few 600 kbit/s video frames, as much as one wake-up usually finds.</summary>
    private const int InputBufferBytes = 32 * 1024;

    private readonly Socket _socket;
    private readonly SocketInput _input;
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
    private readonly ShortList<RtmpMessage> _pending = new();
    private RtmpSessionState _state = RtmpSessionState.HandshakeC0C1;
    private int _closeReason;
    private long _bytesRead;
    private long _lastAckAt;
    private uint _peerWindowAck;

    /// <summary>
    /// A session over an accepted <paramref name="socket"/>; <paramref name="readiness"/> is the socket's registration
    /// with the relay's own epoll loop (<c>Media:Rtmp:IoLoop=Epoll</c>), or null to read through .NET's socket engine.
    /// The session owns both.
    /// </summary>
    public RtmpSession(Socket socket, StreamHub hub, IStreamAccessPolicy policy, ILogger logger, CancellationToken shutdown,
        Io.SocketReadiness? readiness = null)
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
        // An idle or silent connection holds no buffer until data arrives (2000 connections); a publisher keeps one.
        _input = new SocketInput(socket, InputBufferBytes, readiness);
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

    private async Task CloseAsync(Task? writer)
    {
        if (SocketThreads.IsCurrent)
            await Task.Yield(); // leaving the streams raises media events (the host's store commits): off the socket thread
        _state = RtmpSessionState.Closed;
        LeaveStreams(SetCloseReason(DisconnectReason.Closed));
        _queue.Clear();
        Abort();
        // The read loop has ended: leave the epoll loop first (it holds the socket's handle, which Dispose waits for).
        _input.Dispose();
        try { _socket.Dispose(); } catch (Exception) { /* closing anyway */ }
        if (writer is not null)
        {
            try { await writer.ConfigureAwait(false); } catch (Exception) { /* logged by the writer path */ }
        }
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

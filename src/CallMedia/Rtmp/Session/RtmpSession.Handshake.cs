using System.Buffers;
using CallMedia.Rtmp.Handshake;
using CallMedia.Rtmp.Protocol;
using Microsoft.Extensions.Logging;

namespace CallMedia.Rtmp.Session;

internal sealed partial class RtmpSession
{
    /// <summary>C0+C1 → S0+S1+S2 → C2, all within <c>Media:HandshakeTimeoutMs</c>.</summary>
    private async Task HandshakeAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_cts.Token);
        timeout.CancelAfter(_options.HandshakeTimeoutMs);
        try
        {
            var c1 = new byte[ServerHandshake.PacketSize];
            var c0c1 = await ReadAtLeastAsync(1 + ServerHandshake.PacketSize, timeout.Token).ConfigureAwait(false);
            var version = c0c1.FirstSpan[0];
            if (version != ServerHandshake.RtmpVersion)
                RtmpThrow.Reject(RtmpRejectReason.BadHandshakeVersion, $"C0 version {version}");
            c0c1.Slice(1, ServerHandshake.PacketSize).CopyTo(c1);
            _input.Consume(1 + ServerHandshake.PacketSize);

            var response = ServerHandshake.CreateResponse(c1, (uint)Environment.TickCount, out var kind);
            // One non-blocking send first (a new connection's send buffer takes S0+S1+S2 whole): a socket read by the
            // relay's own epoll loop then never enters .NET's socket engine, whose epoll would wake for its every read.
            var sent = Delivery.Framing.NonBlockingSend.TrySend(_socket, response);
            if (sent < response.Length)
                await _socket.SendAsync(response.AsMemory(sent), System.Net.Sockets.SocketFlags.None, timeout.Token).ConfigureAwait(false);
            _state = RtmpSessionState.HandshakeC2;

            var c2 = await ReadAtLeastAsync(ServerHandshake.PacketSize, timeout.Token).ConfigureAwait(false);
            _input.Consume(ServerHandshake.PacketSize);
            LogHandshake(SessionId, Remote, kind);
        }
        catch (OperationCanceledException) when (!_cts.IsCancellationRequested)
        {
            RtmpThrow.Reject(RtmpRejectReason.HandshakeTimeout, $"handshake not done within {_options.HandshakeTimeoutMs} ms");
        }
    }

    /// <summary>Receives until <paramref name="count"/> bytes are buffered; the caller consumes them.</summary>
    private async Task<ReadOnlySequence<byte>> ReadAtLeastAsync(int count, CancellationToken cancellationToken)
    {
        while (_input.Buffered.Length < count)
        {
            if (!await _input.ReceiveAsync(cancellationToken).ConfigureAwait(false))
                throw new IOException("connection closed during handshake");
        }
        return _input.Buffered;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "RTMP session {SessionId} from {Remote}: {Kind} handshake done")]
    private partial void LogHandshake(long sessionId, System.Net.EndPoint? remote, HandshakeKind kind);
}

using System.Buffers.Binary;
using System.Net.Sockets;
using CallMedia.Delivery;
using CallMedia.Delivery.Framing;
using CallMedia.Relay;
using CallMedia.Rtmp.Amf0;
using CallMedia.Rtmp.Chunks;

namespace CallMedia.Rtmp.Session;

internal sealed partial class RtmpSession
{
    /// <summary>
    /// Runs the connection's <see cref="ViewerWriter"/> (command replies, and media once it plays). Ends when the
    /// queue completes (then closes the connection) or the connection dies.
    /// </summary>
    private async Task RunWriterAsync()
    {
        await Task.Yield();
        try
        {
            await _writer.RunAsync(_cts.Token).ConfigureAwait(false);
            // Completed (end of stream sent, or refused): close the connection.
            SetCloseReason(_queue.CompletionReason);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
        {
            // Connection closing.
            LogWriterEnded(SessionId, ex.GetType().Name, ex.Message);
        }
        catch (Exception ex)
        {
            SetCloseReason(DisconnectReason.InternalError);
            LogFailed(ex, SessionId, StreamLabel);
        }
        finally
        {
            Abort();
        }
    }

    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Debug, Message = "RTMP session {SessionId}: writer ended ({Error}: {Detail})")]
    private partial void LogWriterEnded(long sessionId, string error, string detail);

    private void SendControl(RtmpMessageType type, ReadOnlySpan<byte> payload) =>
        _queue.EnqueueControl(DeliveryItem.Control((byte)type, RtmpChunkFraming.ProtocolChunkStream, payload));

    private void SendUserControl(UserControlEvent kind, uint value)
    {
        Span<byte> payload = stackalloc byte[6];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)kind);
        BinaryPrimitives.WriteUInt32BigEndian(payload[2..], value);
        SendControl(RtmpMessageType.UserControl, payload);
    }

    private void SendCommand(uint streamId, params object?[] values) =>
        _queue.EnqueueControl(DeliveryItem.Control((byte)RtmpMessageType.CommandAmf0, RtmpChunkFraming.CommandChunkStream, Amf0Writer.Encode(values), streamId));

    private void SendData(uint streamId, params object?[] values) =>
        _queue.EnqueueControl(DeliveryItem.Control((byte)RtmpMessageType.DataAmf0, RtmpChunkFraming.DataChunkStream, Amf0Writer.Encode(values), streamId));

    /// <summary><c>onStatus</c> on a stream (level <c>status</c> or <c>error</c>).</summary>
    private void SendStatus(uint streamId, string level, string code, string description) =>
        SendCommand(streamId, "onStatus", 0.0, null, new AmfObject
        {
            { "level", level },
            { "code", code },
            { "description", description },
        });

    private static byte[] BigEndian(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    /// <summary>Sends what is queued, then closes (refusals): the writer ends when the queue completes.</summary>
    private void CloseAfterFlush(DisconnectReason reason)
    {
        SetCloseReason(reason);
        _queue.Complete(reason);
        AbortLater();
    }

    /// <summary>Closes the connection in 500 ms at the latest (time for queued replies and notices to go out).</summary>
    private void AbortLater() =>
        _ = Task.Delay(TimeSpan.FromMilliseconds(500), _hub.Time).ContinueWith(_ => Abort(), TaskScheduler.Default);

    /// <summary>The session's one close reason: the first cause wins.</summary>
    private DisconnectReason SetCloseReason(DisconnectReason reason) =>
        reason == DisconnectReason.None ? CloseReason : DisconnectReasons.SetOnce(ref _closeReason, reason);

    private DisconnectReason CloseReason => (DisconnectReason)Volatile.Read(ref _closeReason);
}

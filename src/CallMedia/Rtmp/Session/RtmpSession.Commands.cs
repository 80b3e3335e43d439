using CallMedia.Hosting;
using CallMedia.Relay;
using CallMedia.Rtmp.Amf0;
using CallMedia.Rtmp.Chunks;
using CallMedia.Rtmp.Protocol;
using Microsoft.Extensions.Logging;
using CallMedia.Logging;

namespace CallMedia.Rtmp.Session;

internal sealed partial class RtmpSession
{
    private const uint WindowAckSize = Delivery.LinkEstimator.LargeAckWindowBytes;
    private string _app = "";
    private string _connectQuery = "";
    private uint _nextStreamId;

    private async ValueTask OnCommandAsync(RtmpMessage message)
    {
        List<object?> values;
        try
        {
            var span = message.Payload.Span;
            // AMF3 command messages start with a format byte; the body that follows is AMF0 for these commands.
            if (message.Type == RtmpMessageType.CommandAmf3 && span.Length > 0 && span[0] == 0)
                span = span[1..];
            values = Amf0Reader.ReadAll(span);
        }
        finally
        {
            message.Payload.Release();
        }
        if (values.Count < 2 || values[0] is not string name)
        {
            RtmpThrow.Reject(RtmpRejectReason.MalformedCommand, "command without name and transaction id");
            return;
        }
        var txn = values[1] as double? ?? 0;
        if (SocketThreads.IsCurrent)
        {
            // publish/play ask the host's access policy and raise media events (store commits in the host); a command
            // never runs on a socket completion thread (inline completions): the rest of this read goes to the pool.
            await Task.Yield();
        }
        if (_state == RtmpSessionState.AwaitingConnect && name != "connect")
            RtmpThrow.Reject(RtmpRejectReason.ProtocolStateViolation, $"{LogText.Escape(name)} before connect");

        switch (name)
        {
            case "connect": OnConnect(txn, values); break;
            case "createStream": OnCreateStream(txn); break;
            case "publish": await OnPublishAsync(message.StreamId, values).ConfigureAwait(false); break;
            case "play": await OnPlayAsync(message.StreamId, values).ConfigureAwait(false); break;
            case "deleteStream":
            case "closeStream":
                var id = name == "deleteStream" && values.Count > 3 && values[3] is double d ? (uint)d : message.StreamId;
                OnCloseStream(id);
                break;
            case "FCUnpublish":
                OnCloseStream(_publishMessageStreamId);
                ReplyResult(txn);
                break;
            case "releaseStream":
            case "FCPublish":
                ReplyResult(txn);
                break;
            case "getStreamLength":
                // A live stream has no length. nginx-rtmp leaves this unanswered; a _result(null, undefined) makes
                // libavformat's RTMP client (ffmpeg, ffplay, mpv, VLC) log "Unexpected reply on getStreamLength()".
                break;
            default:
                // pause, seek, receiveAudio, _checkbw, FCSubscribe, ...: not used by a relay; ignored.
                LogIgnoredCommand(SessionId, LogText.Escape(name)!);
                break;
        }
    }

    private void ReplyResult(double txn)
    {
        if (txn > 0)
            SendCommand(0, "_result", txn, null, AmfUndefined.Instance);
    }

    private void OnConnect(double txn, List<object?> values)
    {
        if (_state != RtmpSessionState.AwaitingConnect)
            RtmpThrow.Reject(RtmpRejectReason.ProtocolStateViolation, "second connect");
        var command = values.Count > 2 ? values[2] as AmfObject : null;
        var (app, appQuery) = StreamPath.Split(command?.GetString("app"));
        var (_, tcUrlQuery) = StreamPath.Split(command?.GetString("tcUrl"));
        _app = app.Trim('/');
        _connectQuery = appQuery.Length > 0 ? appQuery : tcUrlQuery;
        var objectEncoding = command?["objectEncoding"] as double? ?? 0;
        LogConnect(SessionId, LogText.Escape(_app)!, appQuery.Length > 0, tcUrlQuery.Length > 0);
        if (!string.Equals(_app, _options.App, StringComparison.Ordinal))
        {
            SendCommand(0, "_error", txn, null, new AmfObject
            {
                { "level", "error" },
                { "code", "NetConnection.Connect.Rejected" },
                { "description", $"unknown application '{_app}'" },
            });
            CloseAfterFlush(DisconnectReason.ConnectRejected);
            return;
        }

        SendControl(RtmpMessageType.WindowAckSize, BigEndian(WindowAckSize));
        SendControl(RtmpMessageType.SetPeerBandwidth, [.. BigEndian(WindowAckSize), 2]);
        SendControl(RtmpMessageType.SetChunkSize, BigEndian((uint)Math.Clamp(_options.OutChunkSize, 128, 65536)));
        SendCommand(0, "_result", txn,
            new AmfObject { { "fmsVer", "FMS/3,5,7,7009" }, { "capabilities", 31.0 }, { "mode", 1.0 } },
            new AmfObject
            {
                { "level", "status" },
                { "code", "NetConnection.Connect.Success" },
                { "description", "Connection succeeded." },
                { "objectEncoding", objectEncoding },
            });
        _state = RtmpSessionState.Connected;
    }

    private void OnCreateStream(double txn)
    {
        if (_nextStreamId >= (uint)_options.MaxStreamsPerConnection)
            RtmpThrow.Reject(RtmpRejectReason.TooManyStreams, $"more than {_options.MaxStreamsPerConnection} streams");
        _nextStreamId++;
        SendCommand(0, "_result", txn, null, (double)_nextStreamId);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "RTMP session {SessionId}: connect app {App}; query on app {AppHasQuery}, on tcUrl {TcUrlHasQuery}")]
    private partial void LogConnect(long sessionId, string app, bool appHasQuery, bool tcUrlHasQuery);

    [LoggerMessage(Level = LogLevel.Debug, Message = "RTMP session {SessionId}: ignored command {Command}")]
    private partial void LogIgnoredCommand(long sessionId, string command);
}

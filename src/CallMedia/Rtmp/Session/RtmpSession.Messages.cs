using System.Buffers.Binary;
using CallMedia.Media;
using CallMedia.Rtmp.Amf0;
using CallMedia.Rtmp.Chunks;
using CallMedia.Rtmp.Protocol;

namespace CallMedia.Rtmp.Session;

internal sealed partial class RtmpSession
{
    /// <summary>Handles one message; takes over its payload reference. Only commands await (<see cref="IsCommand"/>).</summary>
    private ValueTask HandleMessageAsync(RtmpMessage message)
    {
        if (IsCommand(message.Type))
            return OnCommandAsync(message);
        HandleNow(message, _hub.Time.GetMilliseconds());
        return ValueTask.CompletedTask;
    }

    /// <summary>AMF commands: handled by the read loop, they await (access policy, the coordinator's media events).</summary>
    private static bool IsCommand(RtmpMessageType type) => type is RtmpMessageType.CommandAmf0 or RtmpMessageType.CommandAmf3;

    /// <summary>
    /// Handles a message that is not a command, on this thread; takes over its payload reference. <paramref name="now"/>:
    /// milliseconds of the relay's clock, read once per read and handed down to the fan-out.
    /// </summary>
    private void HandleNow(RtmpMessage message, long now)
    {
        switch (message.Type)
        {
            case RtmpMessageType.Audio:
            case RtmpMessageType.Video:
                OnMedia(message, now);
                break;
            case RtmpMessageType.DataAmf0:
            case RtmpMessageType.DataAmf3:
                OnData(message, now);
                break;
            case RtmpMessageType.UserControl:
                OnUserControl(message);
                break;
            case RtmpMessageType.WindowAckSize:
                _peerWindowAck = ReadUInt32(message);
                break;
            case RtmpMessageType.Acknowledgement:
                // A viewer's count of what it read: bounds its pipe while the writer asks for acknowledgements.
                if (message.Payload.Length >= 4)
                    _queue.OnPeerAcknowledged(ReadUInt32(message));
                else
                    message.Payload.Release();
                break;
            case RtmpMessageType.SetPeerBandwidth:
            case RtmpMessageType.SharedObjectAmf0:
            case RtmpMessageType.SharedObjectAmf3:
            case RtmpMessageType.Aggregate:
                message.Payload.Release();
                break;
            default:
                message.Payload.Release();
                RtmpThrow.Reject(RtmpRejectReason.UnknownMessageType, $"message type {(byte)message.Type}");
                break;
        }
    }

    private void OnMedia(RtmpMessage message, long now)
    {
        if (_publishStream is null || message.StreamId != _publishMessageStreamId)
        {
            message.Payload.Release();
            return;
        }
        var span = message.Payload.Span;
        var frameClass = message.Type == RtmpMessageType.Audio
            ? FrameClassifier.ClassifyAudio(span)
            : FrameClassifier.ClassifyVideo(span);
        _hub.Media(_publishStream, this, new MediaPacket(frameClass, message.Timestamp, message.Payload), now);
    }

    private void OnData(RtmpMessage message, long now)
    {
        if (_publishStream is null)
        {
            message.Payload.Release();
            return;
        }
        var payload = message.Payload;
        var offset = message.Type == RtmpMessageType.DataAmf3 && payload.Length > 0 && payload.Span[0] == 0 ? 1 : 0;
        List<object?> values;
        try
        {
            values = Amf0Reader.ReadAll(payload.Span[offset..]);
        }
        catch
        {
            payload.Release();
            throw;
        }

        // FFmpeg and OBS send @setDataFrame("onMetaData", {...}); viewers get plain onMetaData({...}).
        var args = values.Count > 0 && values[0] is "@setDataFrame" ? values.Skip(1).ToList() : values;
        if (args.Count >= 2 && args[0] is "onMetaData" && args[1] is AmfObject metadata)
        {
            payload.Release();
            var encoded = MediaBuffer.CopyOf(Amf0Writer.Encode("onMetaData", ToEcmaArray(metadata)));
            var hasAudio = metadata.ContainsKey("audiocodecid") || metadata["stereo"] is bool;
            var hasVideo = metadata.ContainsKey("videocodecid") || metadata.ContainsKey("width");
            _hub.Media(_publishStream, this, new MediaPacket(FrameClass.Metadata, 0, encoded), now, hasAudio, hasVideo);
            return;
        }
        if (offset != 0)
        {
            var copy = MediaBuffer.CopyOf(payload.Span[offset..]);
            payload.Release();
            payload = copy;
        }
        _hub.Media(_publishStream, this, new MediaPacket(FrameClass.Data, message.Timestamp, payload), now);
    }

    private static AmfEcmaArray ToEcmaArray(AmfObject obj) => obj as AmfEcmaArray ?? new AmfEcmaArray(obj);

    private void OnUserControl(RtmpMessage message)
    {
        try
        {
            var span = message.Payload.Span;
            if (span.Length < 2)
                return;
            var kind = (UserControlEvent)BinaryPrimitives.ReadUInt16BigEndian(span);
            if (kind == UserControlEvent.PingRequest && span.Length >= 6)
                SendUserControl(UserControlEvent.PingResponse, BinaryPrimitives.ReadUInt32BigEndian(span[2..]));
        }
        finally
        {
            message.Payload.Release();
        }
    }
}

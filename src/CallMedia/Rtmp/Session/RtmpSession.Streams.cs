using CallMedia.Access;
using CallMedia.Delivery;
using CallMedia.Relay;
using CallMedia.Rtmp.Amf0;
using CallMedia.Rtmp.Chunks;
using Microsoft.Extensions.Logging;
using CallMedia.Logging;

namespace CallMedia.Rtmp.Session;

internal sealed partial class RtmpSession
{
    private RelayStream? _publishStream;
    private string? _publishName;
    private uint _publishMessageStreamId;
    private Viewer? _viewer;

    private async ValueTask OnPublishAsync(uint streamId, List<object?> values)
    {
        var (name, query) = StreamPath.Split(values.Count > 3 ? values[3] as string : null);
        LogQuerySource(SessionId, "publish", query.Length > 0 ? "stream name" : _connectQuery.Length > 0 ? "connect" : "none");
        if (query.Length == 0)
            query = _connectQuery;
        if (_publishStream is not null || name.Length == 0)
        {
            RefusePublish(streamId, name, "bad_request");
            return;
        }
        var decision = await AuthorizeAsync(MediaAction.Publish, name, query).ConfigureAwait(false);
        if (!decision.Allowed)
        {
            RefusePublish(streamId, name, decision.Reason);
            return;
        }
        if (_hub.Publish(name, this, out var stream) == PublishAttempt.Busy)
        {
            RefusePublish(streamId, name, "stream_busy");
            return;
        }
        _publishStream = stream;
        _publishName = name;
        _publishMessageStreamId = streamId;
        _input.Streaming = true; // media from now on: no zero-byte receive per wake-up
        SendUserControl(UserControlEvent.StreamBegin, streamId);
        SendStatus(streamId, "status", "NetStream.Publish.Start", $"{name} is now published.");
        LogPublish(SessionId, Remote, LogText.Escape(name)!);
    }

    private void RefusePublish(uint streamId, string name, string reason)
    {
        LogRefused(SessionId, Remote, "publish", LogText.Escape(name)!, reason);
        SendStatus(streamId, "error", "NetStream.Publish.BadName", $"publish refused: {reason}");
        CloseAfterFlush(DisconnectReason.PublishRefused);
    }

    private async ValueTask OnPlayAsync(uint streamId, List<object?> values)
    {
        var (name, query) = StreamPath.Split(values.Count > 3 ? values[3] as string : null);
        if (query.Length == 0)
            query = _connectQuery;
        var decision = _viewer is null && name.Length > 0
            ? await AuthorizeAsync(MediaAction.Play, name, query).ConfigureAwait(false)
            : StreamAccessDecision.Deny("bad_request");
        if (!decision.Allowed)
        {
            LogRefused(SessionId, Remote, "play", LogText.Escape(name)!, decision.Reason);
            SendStatus(streamId, "error", "NetStream.Play.StreamNotFound", $"play refused: {decision.Reason}");
            CloseAfterFlush(DisconnectReason.PlayRefused);
            return;
        }
        SendUserControl(UserControlEvent.StreamBegin, streamId);
        SendStatus(streamId, "status", "NetStream.Play.Reset", $"Playing and resetting {name}.");
        SendStatus(streamId, "status", "NetStream.Play.Start", $"Started playing {name}.");
        SendData(streamId, "|RtmpSampleAccess", true, true);
        _framing.PlayStreamId = streamId;
        _gate.Active = true;
        _viewer = new Viewer(Viewer.NextId(), name, MediaTransport.Rtmp, Remote, _queue)
        {
            EndOfStreamNotice = v =>
            {
                SendStatus(streamId, "status", "NetStream.Play.UnpublishNotify", $"{v.StreamName} is now unpublished.");
                SendUserControl(UserControlEvent.StreamEof, streamId);
                SetCloseReason(DisconnectReason.StreamEnded);
                AbortLater();
            },
            OnEnded = (_, reason) =>
            {
                if (reason == DisconnectReason.TooSlow)
                    Kick(reason);
            },
        };
        _hub.Play(_viewer);
        LogPlay(SessionId, Remote, LogText.Escape(name)!);
    }

    private void OnCloseStream(uint streamId)
    {
        if (_publishStream is not null && streamId == _publishMessageStreamId)
        {
            _hub.Unpublish(_publishStream, this, DisconnectReason.Unpublish);
            SendStatus(streamId, "status", "NetStream.Unpublish.Success", $"{_publishName} is now unpublished.");
            _publishStream = null;
            _input.Streaming = false;
        }
        if (_viewer is not null && streamId == _framing.PlayStreamId)
        {
            _hub.StopPlay(_viewer, DisconnectReason.Closed);
            _viewer = null;
        }
    }

    private ValueTask<StreamAccessDecision> AuthorizeAsync(MediaAction action, string name, string query)
    {
        try
        {
            return _policy.AuthorizeAsync(new StreamAccessRequest(action, _app, name, query, MediaTransport.Rtmp, Remote), _cts.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogPolicyFailed(ex, SessionId, LogText.Escape(name)!);
            return ValueTask.FromResult(StreamAccessDecision.Deny("policy_error"));
        }
    }

    /// <summary>Leaves the stream this connection publishes or plays (connection ending).</summary>
    private void LeaveStreams(DisconnectReason reason)
    {
        if (_publishStream is not null)
        {
            _hub.Unpublish(_publishStream, this, reason.ForEvents());
            _publishStream = null;
        }
        if (_viewer is not null)
        {
            var viewerReason = _viewer.Queue.CompletionReason is not DisconnectReason.None and var completed ? completed : reason.ForEvents();
            _hub.StopPlay(_viewer, viewerReason);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "RTMP session {SessionId}: {Action} query taken from {QuerySource}")]
    private partial void LogQuerySource(long sessionId, string action, string querySource);

    [LoggerMessage(Level = LogLevel.Information, Message = "RTMP session {SessionId} from {Remote} publishes {Stream}")]
    private partial void LogPublish(long sessionId, System.Net.EndPoint? remote, string stream);

    [LoggerMessage(Level = LogLevel.Information, Message = "RTMP session {SessionId} from {Remote} plays {Stream}")]
    private partial void LogPlay(long sessionId, System.Net.EndPoint? remote, string stream);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RTMP session {SessionId} from {Remote}: {Action} of {Stream} refused ({Reason})")]
    private partial void LogRefused(long sessionId, System.Net.EndPoint? remote, string action, string stream, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "RTMP session {SessionId}: access policy failed for {Stream}")]
    private partial void LogPolicyFailed(Exception ex, long sessionId, string stream);
}

using CallMedia.Access;
using CallMedia.Delivery;
using CallMedia.Delivery.Framing;
using CallMedia.Hosting;
using CallMedia.Relay;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using CallMedia.Logging;

namespace CallMedia.Flv;

/// <summary>
/// HTTP-FLV playback: <c>GET /live/{stream}.flv?txSecret=…&amp;txTime=…</c>. 403 when the policy refuses;
/// otherwise a chunked <c>video/x-flv</c> response fed by the same <see cref="ViewerWriter"/> as RTMP viewers,
/// with FLV tag framing. Before
/// the publisher comes, the response stays open (headers sent, no body yet).
/// </summary>
internal sealed partial class HttpFlvEndpoint(StreamHub hub, IStreamAccessPolicy policy, ILogger<HttpFlvEndpoint> logger)
{
    public async Task HandleAsync(HttpContext context, string stream)
    {
        var query = context.Request.QueryString.HasValue ? context.Request.QueryString.Value![1..] : "";
        var remote = context.Connection.RemoteIpAddress is { } ip ? new System.Net.IPEndPoint(ip, context.Connection.RemotePort) : null;
        StreamAccessDecision decision;
        try
        {
            decision = await policy.AuthorizeAsync(
                new StreamAccessRequest(MediaAction.Play, hub.Options.App, stream, query, MediaTransport.HttpFlv, remote), context.RequestAborted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogPolicyFailed(ex, LogText.Escape(stream)!);
            decision = StreamAccessDecision.Deny("policy_error");
        }
        if (!decision.Allowed)
        {
            LogRefused(remote, LogText.Escape(stream)!, decision.Reason);
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            FlvCors.AllowAnyOrigin(context.Response);
            return;
        }

        context.Response.ContentType = "video/x-flv";
        context.Response.Headers.CacheControl = "no-cache";
        FlvCors.AllowAnyOrigin(context.Response);
        await context.Response.StartAsync(context.RequestAborted);
        // Send the headers now: before the publisher comes, the player must see 200 and keep waiting.
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);

        // Kestrel exposes the socket: cap its send buffer and let the gate count its unsent bytes, as for RTMP viewers.
        var socket = context.Features.Get<IConnectionSocketFeature>()?.Socket;
        if (socket is not null && hub.Options.ViewerSendBufferBytes > 0)
            socket.SendBufferSize = hub.Options.ViewerSendBufferBytes;
        var queue = new ViewerQueue(DropLimits.From(hub.Options), hub.Time, atomicMessages: true);
        var viewer = new Viewer(Viewer.NextId(), stream, MediaTransport.HttpFlv, remote, queue)
        {
            OnEnded = (_, reason) =>
            {
                if (reason == DisconnectReason.TooSlow)
                    context.Abort();
            },
        };
        var framing = new FlvTagFraming(context.Response.BodyWriter, () =>
        {
            var live = hub.Find(stream);
            return (live?.HasAudio ?? true, live?.HasVideo ?? true);
        });
        var writer = new ViewerWriter(queue, new KernelBacklogGate(socket, queue) { Active = true }, framing);
        using var aborted = context.RequestAborted.Register(() => queue.Complete(DisconnectReason.Closed));
        var traffic = new FlvTraffic(queue.Counters);
        hub.Traffic.Opened(traffic);
        hub.Play(viewer);
        LogPlay(viewer.Id, remote, LogText.Escape(stream)!);
        try
        {
            await writer.RunAsync(context.RequestAborted);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
        }
        finally
        {
            // The writer may have ended on a publisher's thread (inline delivery), perhaps a socket completion thread:
            // the stop event reaches the host's sinks from the pool.
            if (SocketThreads.IsCurrent)
                await Task.Yield();
            hub.StopPlay(viewer, queue.CompletionReason is not DisconnectReason.None and var reason ? reason : DisconnectReason.Closed);
            queue.Clear();
            hub.Traffic.Closed(traffic);
        }
    }

    /// <summary>An HTTP-FLV response in the relay's totals: bytes out and drops (the request's bytes are not counted).</summary>
    private sealed class FlvTraffic(ViewerCounters sent) : Stats.IConnectionTraffic
    {
        public long BytesReceived => 0;

        public ViewerCounters Sent => sent;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "HTTP-FLV viewer {ViewerId} from {Remote} plays {Stream}")]
    private partial void LogPlay(long viewerId, System.Net.EndPoint? remote, string stream);

    [LoggerMessage(Level = LogLevel.Warning, Message = "HTTP-FLV play of {Stream} from {Remote} refused ({Reason})")]
    private partial void LogRefused(System.Net.EndPoint? remote, string stream, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "HTTP-FLV: access policy failed for {Stream}")]
    private partial void LogPolicyFailed(Exception ex, string stream);
}

using System.Buffers;
using System.IO.Pipelines;
using System.Buffers.Binary;
using CallMedia.Access;
using CallMedia.Relay;
using CallMedia.Rtmp.Session;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using CallMedia.Logging;

namespace CallMedia.Flv;

/// <summary>
/// HTTP-FLV playback: <c>GET /live/{stream}.flv?txSecret=…&amp;txTime=…</c>. 403 when the policy refuses;
/// otherwise a chunked <c>video/x-flv</c> response fed by the same per-viewer queue as RTMP viewers. Before
/// the publisher comes, the response stays open (headers sent, no body yet).
/// </summary>
internal sealed partial class HttpFlvEndpoint(StreamHub hub, IStreamAccessPolicy policy, ILogger<HttpFlvEndpoint> logger)
{
    private const int MaxBatchBytes = 256 * 1024;

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

        // Kestrel exposes the socket: cap its send buffer and count its unsent bytes, as for RTMP viewers (DESIGN §4).
        var socket = context.Features.Get<IConnectionSocketFeature>()?.Socket;
        if (socket is not null && hub.Options.ViewerSendBufferBytes > 0)
            socket.SendBufferSize = hub.Options.ViewerSendBufferBytes;
        var queue = new OutboundQueue(QueueLimits.From(hub.Options), socket is null ? null : () => SocketOutQueue.Unsent(socket))
        {
            AtomicMessages = true,
            NotSentKernelBytes = socket is null ? null : () => SocketOutQueue.NotSent(socket),
        };
        var viewer = new Viewer(Viewer.NextId(), stream, MediaTransport.HttpFlv, remote, queue, 0)
        {
            OnEnded = (_, reason) =>
            {
                if (reason == "too_slow")
                    context.Abort();
            },
        };
        using var aborted = context.RequestAborted.Register(() => queue.Complete("closed"));
        hub.Play(viewer);
        LogPlay(viewer.Id, remote, LogText.Escape(stream)!);
        try
        {
            await WriteLoopAsync(context.Response.BodyWriter, viewer, socket, context.RequestAborted);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
        }
        finally
        {
            hub.StopPlay(viewer, queue.CompletionReason ?? "closed");
            queue.Clear();
        }
    }

    private async Task WriteLoopAsync(PipeWriter writer, Viewer viewer, System.Net.Sockets.Socket? socket, CancellationToken cancellationToken)
    {
        var batch = new List<OutboundItem>();
        var headerWritten = false;
        try
        {
            while (await viewer.Queue.WaitAsync(cancellationToken))
            {
                var room = socket is null ? MaxBatchBytes : await KernelRoom.WaitAsync(socket, viewer.Queue, cancellationToken);
                // Audio first (FLV tags are whole, but queued audio may still pass queued video), then in order.
                var audio = viewer.Queue.DrainAudio(batch, Math.Min(room, MaxBatchBytes), 64);
                if (audio < room || batch.Count == 0)
                    viewer.Queue.Drain(batch, Math.Min(Math.Max(room - audio, 1), MaxBatchBytes), 64);
                if (!headerWritten)
                {
                    var stream = hub.Find(viewer.StreamName);
                    var hasAudio = stream?.HasAudio ?? true;
                    var hasVideo = stream?.HasVideo ?? true;
                    FlvFormat.WriteFileHeader(writer.GetSpan(FlvFormat.FileHeaderLength), hasAudio, hasVideo);
                    writer.Advance(FlvFormat.FileHeaderLength);
                    headerWritten = true;
                }
                foreach (var item in batch)
                {
                    if (item.IsControl)
                        continue;
                    var length = item.Payload.Length;
                    var tagType = (byte)item.Type;
                    FlvFormat.WriteTagHeader(writer.GetSpan(FlvFormat.TagHeaderLength), tagType, length, item.Timestamp);
                    writer.Advance(FlvFormat.TagHeaderLength);
                    writer.Write(item.Payload.Span);
                    BinaryPrimitives.WriteUInt32BigEndian(writer.GetSpan(4), (uint)(length + FlvFormat.TagHeaderLength));
                    writer.Advance(4);
                }
                var written = 0;
                foreach (var item in batch)
                {
                    if (!item.IsControl)
                        written += item.Payload.Length + FlvFormat.TagHeaderLength + 4;
                    item.Payload.Release();
                }
                batch.Clear();
                viewer.Queue.OnWritten(written);
                var flush = await writer.FlushAsync(cancellationToken);
                if (flush.IsCompleted || flush.IsCanceled)
                    return;
            }
        }
        finally
        {
            foreach (var item in batch)
                item.Payload.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "HTTP-FLV viewer {ViewerId} from {Remote} plays {Stream}")]
    private partial void LogPlay(long viewerId, System.Net.EndPoint? remote, string stream);

    [LoggerMessage(Level = LogLevel.Warning, Message = "HTTP-FLV play of {Stream} from {Remote} refused ({Reason})")]
    private partial void LogRefused(System.Net.EndPoint? remote, string stream, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "HTTP-FLV: access policy failed for {Stream}")]
    private partial void LogPolicyFailed(Exception ex, string stream);
}

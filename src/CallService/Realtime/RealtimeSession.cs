using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using CallContracts.Realtime;
using CallService.Auth;
using CallService.Calls.ReportStatus;
using CallService.Cluster.Forwarding;
using CallService.Common.Problems;
using MediatR;

namespace CallService.Realtime;

/// <summary>
/// One user's WebSocket from the upgrade to the close: attach to the hub (before the upgrade is answered, so no event
/// published meanwhile is lost), read client frames (<see cref="RealtimeClientFrame"/>) one at a time and answer them
/// through the same ordered queue as the events, detach and close.
/// </summary>
internal sealed class RealtimeSession(string userId, RealtimeHub hub, IServiceScopeFactory scopes, ILogger logger)
{
    /// <summary>Frames over this size close the socket (a status report is a few hundred bytes).</summary>
    public const int MaxFrameBytes = 16 * 1024;

    private readonly RealtimeConnection _connection = new(logger);

    /// <summary>
    /// Runs the session; <paramref name="accept"/> answers the upgrade (101) and returns the socket. <paramref name="closing"/>
    /// (the node stops) ends the reading; what is queued is still written, then the socket closes "going away".
    /// </summary>
    public async Task RunAsync(Func<Task<WebSocket>> accept, CancellationToken cancellationToken, CancellationToken closing = default)
    {
        hub.Attach(userId, _connection);
        WebSocket socket;
        try
        {
            socket = await accept();
        }
        catch
        {
            hub.Detach(userId, _connection);
            _connection.Abandon();
            throw;
        }
        using (socket)
        {
            var writer = _connection.WriteLoopAsync(cancellationToken);
            _connection.Open(socket);
            Calls.CoordinatorLog.SocketOpened(logger, userId);
            try
            {
                using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                using var stop = closing.Register(() => _ = GoAwayAsync(socket, writer, reading));
                await ReadLoop(socket, reading.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
            }
            finally
            {
                hub.Detach(userId, _connection);
                _connection.Complete();
                await writer;
                if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                {
                    try { await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None); }
                    catch (WebSocketException) { }
                }
                Calls.CoordinatorLog.SocketClosed(logger, userId);
            }
        }
    }

    /// <summary>
    /// The node stops: writes what is queued, sends the close frame (1001 "going away"), and gives the client
    /// <see cref="GoAwayWait"/> to answer it before the reading is cut (cancelling a receive aborts the socket).
    /// </summary>
    private async Task GoAwayAsync(WebSocket socket, Task writer, CancellationTokenSource reading)
    {
        try
        {
            _connection.Complete();
            await writer;
            if (socket.State == WebSocketState.Open)
                await socket.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, "going away", CancellationToken.None);
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        try { reading.CancelAfter(GoAwayWait); }
        catch (ObjectDisposedException) { } // the session ended meanwhile
    }

    /// <summary>How long a client may take to answer the server's close frame when the node stops.</summary>
    private static readonly TimeSpan GoAwayWait = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Reads one client frame at a time. Between frames the socket holds no buffer: a zero-byte receive waits for the next
    /// frame's header, and a <see cref="MaxFrameBytes"/> buffer is rented from the shared pool only while a frame is read
    /// and answered (a socket kept for days by an idle agent costs no 16 KiB array, and a node with a thousand sockets does
    /// not carry 16 MB of them through every full collection).
    /// </summary>
    private async Task ReadLoop(WebSocket socket, CancellationToken cancellationToken)
    {
        while (socket.State == WebSocketState.Open)
        {
            var result = await socket.ReceiveAsync(Memory<byte>.Empty, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close) return;
            var buffer = ArrayPool<byte>.Shared.Rent(MaxFrameBytes);
            try
            {
                var length = 0;
                while (!result.EndOfMessage)
                {
                    if (length == MaxFrameBytes)
                    {
                        await socket.CloseAsync(WebSocketCloseStatus.MessageTooBig, "frame too large", cancellationToken);
                        return;
                    }
                    result = await socket.ReceiveAsync(buffer.AsMemory(length, MaxFrameBytes - length), cancellationToken);
                    length += result.Count;
                }
                if (result.MessageType == WebSocketMessageType.Close) return;
                var reply = await Handle(buffer.AsMemory(0, length), cancellationToken);
                if (reply is not null) _connection.Enqueue(JsonSerializer.SerializeToUtf8Bytes(reply, reply.GetType(), RealtimeHub.Json));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private async Task<object?> Handle(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        RealtimeClientFrame? frame;
        try
        {
            frame = JsonSerializer.Deserialize<RealtimeClientFrame>(bytes.Span, RealtimeHub.Json);
        }
        catch (JsonException)
        {
            // A fixed message: the serializer's text names internal types, and the client's bytes are not echoed.
            return Error(ProblemMapping.Validation("frame", "Not a JSON object: send {\"type\":\"ping\"}, resume or status frames."));
        }
        switch (frame?.Type)
        {
            case RealtimeClientFrameTypes.Ping:
                return new PongFrame();
            case RealtimeClientFrameTypes.Resume:
                hub.Resume(userId, _connection, frame.AfterSeq ?? 0);
                return null; // the replayed events are the answer
            case RealtimeClientFrameTypes.Status:
                return await Report(frame, cancellationToken);
            default:
                return Error(ProblemMapping.Validation("type", "Unknown frame type: send ping, resume or status."));
        }
    }

    private async Task<object> Report(RealtimeClientFrame frame, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        if (scope.ServiceProvider.GetService<RateLimits.RealtimeStatusLimiter>()?.TryAcquire(userId) is { } limited)
            return new ErrorFrame(frame.CallId, limited);
        try
        {
            if (await ForwardedReport(scope.ServiceProvider, frame, cancellationToken) is { } forwarded) return forwarded;
            var mediator = scope.ServiceProvider.GetRequiredService<IMediator>();
            var command = ReportStatusCommand.From(new UserActor(userId), frame.CallId ?? "", frame.ToStatusReport());
            var response = await mediator.Send(command, cancellationToken);
            return new StatusResultFrame(frame.CallId, response.Action, response.Call.State);
        }
        catch (Exception e) when (ProblemMapping.Map(e) is { } problem)
        {
            return new ErrorFrame(frame.CallId, problem);
        }
    }

    /// <summary>
    /// A report about a call held by another node is answered by that node (<see cref="StatusFrameForwarder"/>); null
    /// when it is handled here. A call whose node is not alive → <c>node_unavailable</c>.
    /// </summary>
    private async Task<object?> ForwardedReport(IServiceProvider services, RealtimeClientFrame frame, CancellationToken cancellationToken)
    {
        if (frame.CallId is not { Length: > 0 } callId || services.GetService<CallRouter>() is not { } router) return null;
        var route = router.Route(callId);
        return route.Kind switch
        {
            CallRouteKind.Forward => await services.GetRequiredService<StatusFrameForwarder>()
                .ForwardAsync(route.Owner!, userId, callId, frame.ToStatusReport(), cancellationToken),
            CallRouteKind.OwnerUnavailable => throw new NodeUnavailableException(
                $"The node holding this call ({route.OwnerId}) is not alive; the call ends once another node takes over."),
            _ => null,
        };
    }

    /// <summary>An <c>error</c> frame about the frame itself: the problem in the same shape as over HTTP (with <c>errors</c>).</summary>
    private static ErrorFrame Error(Microsoft.AspNetCore.Mvc.ProblemDetails problem) => new(null, problem);
}

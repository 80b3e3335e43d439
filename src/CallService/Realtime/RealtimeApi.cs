using System.Net.WebSockets;
using System.Text.Json;
using CallContracts.Calls;
using CallService.Auth;
using CallService.Calls.ReportStatus;
using CallService.Common.Problems;
using MediatR;

namespace CallService.Realtime;

/// <summary>
/// <c>GET /v1/ws?token=&lt;user token&gt;</c>: plain WebSocket with JSON text frames (usable from
/// <c>wx.connectSocket</c>). Client frames: <c>ping</c>, <c>resume</c>, <c>status</c>.
/// </summary>
internal static class RealtimeApi
{
    private const int MaxFrameBytes = 16 * 1024;

    public static IEndpointRouteBuilder MapRealtime(this IEndpointRouteBuilder app)
    {
        app.Map("/v1/ws", async (HttpContext context, RealtimeHub hub, IServiceScopeFactory scopes, ILoggerFactory loggers) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
                return Results.Problem(statusCode: 400, title: "WebSocket upgrade required",
                    detail: "Connect with a WebSocket client: GET /v1/ws?token=<user token>.");
            var userId = ((UserActor)Actor.From(context.User)).UserId;
            var logger = loggers.CreateLogger("CallService.Realtime");
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var connection = new RealtimeConnection(socket, logger);
            hub.Attach(userId, connection);
            var writer = connection.WriteLoopAsync(context.RequestAborted);
            Calls.CoordinatorLog.SocketOpened(logger, userId);
            try
            {
                await ReadLoop(socket, userId, connection, hub, scopes, context.RequestAborted);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
            }
            finally
            {
                hub.Detach(userId, connection);
                connection.Complete();
                await writer;
                if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                {
                    try { await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None); }
                    catch (WebSocketException) { }
                }
                Calls.CoordinatorLog.SocketClosed(logger, userId);
            }
            return Results.Empty;
        }).RequireAuthorization(BearerAuthenticationHandler.UserPolicy);
        return app;
    }

    private static async Task ReadLoop(WebSocket socket, string userId, RealtimeConnection connection, RealtimeHub hub,
        IServiceScopeFactory scopes, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxFrameBytes];
        while (socket.State == WebSocketState.Open)
        {
            var length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                if (length == buffer.Length)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.MessageTooBig, "frame too large", cancellationToken);
                    return;
                }
                result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
                length += result.Count;
            } while (!result.EndOfMessage);
            if (result.MessageType == WebSocketMessageType.Close) return;
            var reply = await Handle(buffer.AsMemory(0, length), userId, connection, hub, scopes, cancellationToken);
            if (reply is not null) connection.Enqueue(JsonSerializer.SerializeToUtf8Bytes(reply, RealtimeHub.Json));
        }
    }

    private static async Task<object?> Handle(ReadOnlyMemory<byte> frame, string userId, RealtimeConnection connection,
        RealtimeHub hub, IServiceScopeFactory scopes, CancellationToken cancellationToken)
    {
        ClientFrame? message;
        try
        {
            message = JsonSerializer.Deserialize<ClientFrame>(frame.Span, RealtimeHub.Json);
        }
        catch (JsonException)
        {
            return Error(ProblemMapping.Validation("frame", "Not a JSON object: send {\"type\":\"ping\"}, resume or status frames."));
        }
        switch (message?.Type)
        {
            case "ping":
                return new { type = "pong" };
            case "resume":
                hub.Resume(userId, connection, message.AfterSeq ?? 0);
                return null; // the replayed events are the answer
            case "status":
                await using (var scope = scopes.CreateAsyncScope())
                {
                    try
                    {
                        var mediator = scope.ServiceProvider.GetRequiredService<IMediator>();
                        var report = new StatusReportRequest { Component = message.Component, Code = message.Code, Message = message.Message, Events = message.Events };
                        var response = await mediator.Send(ReportStatusCommand.From(new UserActor(userId), message.CallId ?? "", report), cancellationToken);
                        return new { type = "status.result", callId = message.CallId, action = response.Action, state = response.Call.State };
                    }
                    catch (Exception e) when (ProblemMapping.Map(e) is { } problem)
                    {
                        return new { type = "error", callId = message.CallId, problem = (object)problem }; // runtime type: keeps errors
                    }
                }
            default:
                return Error(ProblemMapping.Validation("type", "Unknown frame type: send ping, resume or status."));
        }
    }

    /// <summary>An <c>error</c> frame: the problem in the same shape as over HTTP (<see cref="ProblemShape"/>).</summary>
    private static object Error(Microsoft.AspNetCore.Mvc.ProblemDetails problem) => new { type = "error", problem = (object)problem };

    private sealed record ClientFrame(
        string? Type, long? AfterSeq, string? CallId, string? Component, int? Code, string? Message, IReadOnlyList<StatusReportRequest>? Events);
}

using CallService.ApiDocs;
using CallService.Auth;
using Microsoft.OpenApi;

namespace CallService.Realtime;

/// <summary>
/// <c>GET /v1/ws?token=&lt;user token&gt;</c>: plain WebSocket with JSON text frames (usable from
/// <c>wx.connectSocket</c>). The session is <see cref="RealtimeSession"/>. GET only: the upgrade of RFC 6455 is a GET
/// over HTTP/1.1 (the service's cleartext listener speaks HTTP/1.1; WebSockets over HTTP/2 would be CONNECT).
/// </summary>
internal static class RealtimeApi
{
    public static IEndpointRouteBuilder MapRealtime(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/ws", async (HttpContext context, RealtimeHub hub, IServiceScopeFactory scopes, ILoggerFactory loggers, RealtimeShutdown shutdown) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
                return Results.Problem(statusCode: 400, title: "WebSocket upgrade required",
                    detail: "Connect with a WebSocket client: GET /v1/ws?token=<user token>.");
            var userId = ((UserActor)Actor.From(context.User)).UserId;
            var session = new RealtimeSession(userId, hub, scopes, loggers.CreateLogger("CallService.Realtime"));
            await session.RunAsync(() => context.WebSockets.AcceptWebSocketAsync(), context.RequestAborted, shutdown.Closing);
            return Results.Empty;
        }).RequireAuthorization(BearerAuthenticationHandler.UserPolicy)
            .WithTags("Realtime")
            .WithName("RealtimeSocket")
            .WithSummary("Open the realtime WebSocket of a user (JSON text frames)")
            .WithDescription("A WebSocket upgrade (RFC 6455) → 101. Server → client: call events with a per-user `seq`; " +
                             "client → server: `ping`, `resume` (`afterSeq`), `status` (like POST /v1/calls/{callId}/events). " +
                             "Frames are described in docs/api.md (realtime channel). A request that is not an upgrade → 400.")
            .Produces(StatusCodes.Status101SwitchingProtocols)
            .ProducesProblem(StatusCodes.Status400BadRequest) // not an upgrade: a plain problem, no field errors
            .ProducesProblems(401, 403)
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = "token",
                    In = ParameterLocation.Query,
                    Required = true,
                    Description = "The user token (mini-program sockets cannot set an Authorization header).",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                });
                return Task.CompletedTask;
            });
        return app;
    }
}

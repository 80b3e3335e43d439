using CallService.Auth;

namespace CallService.Realtime;

/// <summary>
/// <c>GET /v1/ws?token=&lt;user token&gt;</c>: plain WebSocket with JSON text frames (usable from
/// <c>wx.connectSocket</c>). The session is <see cref="RealtimeSession"/>.
/// </summary>
internal static class RealtimeApi
{
    public static IEndpointRouteBuilder MapRealtime(this IEndpointRouteBuilder app)
    {
        app.Map("/v1/ws", async (HttpContext context, RealtimeHub hub, IServiceScopeFactory scopes, ILoggerFactory loggers) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
                return Results.Problem(statusCode: 400, title: "WebSocket upgrade required",
                    detail: "Connect with a WebSocket client: GET /v1/ws?token=<user token>.");
            var userId = ((UserActor)Actor.From(context.User)).UserId;
            var session = new RealtimeSession(userId, hub, scopes, loggers.CreateLogger("CallService.Realtime"));
            await session.RunAsync(() => context.WebSockets.AcceptWebSocketAsync(), context.RequestAborted);
            return Results.Empty;
        }).RequireAuthorization(BearerAuthenticationHandler.UserPolicy);
        return app;
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using CallLoad.Targets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using RtmpTestClient.Servers;

namespace CallLoad.Ceiling;

/// <summary>
/// The "ceiling" for the signaling benchmark: a minimal ASP.NET Core app that answers the same endpoints and
/// pushes the same WebSocket events as the coordinator, with no rules, validation or storage. What CallService
/// achieves relative to it shows the cost of the real coordinator on this machine. Runs as a separate process
/// (<c>CallLoad serve-ceiling --port N [--stack Framework]</c>) so its CPU is measured apart from the load generator's;
/// with <see cref="CeilingStack.Framework"/> it also runs CallService's ASP.NET Core components around the endpoints
/// (<see cref="CeilingFrameworkStack"/>).
/// </summary>
public static class CeilingServer
{
    /// <summary>Any bearer accepted for server-to-server calls.</summary>
    public const string ApiKey = "ceiling";

    /// <summary>Serves on 127.0.0.1:<paramref name="port"/> until cancelled, with <paramref name="stack"/> around the endpoints.</summary>
    public static async Task<int> RunAsync(int port, CancellationToken cancellationToken, CeilingStack stack = CeilingStack.Bare)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var framework = stack == CeilingStack.Framework;
        if (framework) CeilingFrameworkStack.AddServices(builder.Services);
        var app = builder.Build();
        app.UseWebSockets();
        if (framework) CeilingFrameworkStack.UseMiddleware(app);
        void Protect(RouteHandlerBuilder endpoint, string? policy, string? rateLimit)
        {
            if (framework) CeilingFrameworkStack.Protect(endpoint, policy, rateLimit);
        }
        var sockets = new ConcurrentDictionary<string, ConcurrentDictionary<WebSocket, byte>>();
        var calls = new ConcurrentDictionary<string, (string A, string B)>();

        static string User(HttpContext context) =>
            context.Request.Headers.Authorization.ToString() is var h && h.StartsWith("Bearer tok-", StringComparison.Ordinal) ? h[11..] : "";

        async Task Send(string user, string type, string callId)
        {
            if (!sockets.TryGetValue(user, out var set))
                return;
            var frame = JsonSerializer.SerializeToUtf8Bytes(new { seq = 1, type, callId, at = DateTimeOffset.UtcNow, data = new { } });
            foreach (var socket in set.Keys)
            {
                try
                {
                    await socket.SendAsync(frame, WebSocketMessageType.Text, true, CancellationToken.None);
                }
                catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException)
                {
                }
            }
        }

        Protect(app.MapPost("/v1/tokens", async (HttpContext context) =>
        {
            var body = await JsonNode.ParseAsync(context.Request.Body);
            return Results.Ok(new { token = "tok-" + body?["userId"]?.GetValue<string>(), expiresAt = DateTimeOffset.UtcNow.AddHours(1) });
        }), "service", "token_issue");
        Protect(app.MapPost("/v1/calls", async (HttpContext context) =>
        {
            var body = await JsonNode.ParseAsync(context.Request.Body);
            var callId = Guid.NewGuid().ToString("N");
            var callee = body?["callee"]?["userId"]?.GetValue<string>() ?? "";
            calls[callId] = (User(context), callee);
            await Send(callee, "call.incoming", callId);
            return Results.Created($"/v1/calls/{callId}", new { callId, state = "ringing" });
        }), null, "call_creation");
        Protect(app.MapPost("/v1/calls/{id}/accept", async (string id) =>
        {
            if (!calls.TryGetValue(id, out var call))
                return Results.NotFound();
            await Send(call.A, "call.accepted", id);
            await Send(call.B, "call.accepted", id);
            return Results.Ok(new { callId = id, state = "accepted" });
        }), null, null);
        Protect(app.MapPost("/v1/calls/{id}/events", async (string id, HttpContext context) =>
        {
            await JsonNode.ParseAsync(context.Request.Body);
            return Results.Accepted(value: new { action = "none" });
        }), null, "status_reports");
        Protect(app.MapPost("/v1/calls/{id}/hangup", async (string id, HttpContext context) =>
        {
            if (!calls.TryRemove(id, out var call))
                return Results.NotFound();
            var by = User(context);
            await Send(by == call.A ? call.B : call.A, "call.ended", id);
            return Results.Ok(new { callId = id, state = "ended" });
        }), null, null);
        Protect(app.Map("/v1/ws", async (HttpContext context) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
                return Results.BadRequest();
            var user = context.Request.Query["token"].ToString() is var t && t.StartsWith("tok-", StringComparison.Ordinal) ? t[4..] : "";
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var set = sockets.GetOrAdd(user, _ => new());
            set[socket] = 0;
            var buffer = new byte[4096];
            try
            {
                while (socket.State == WebSocketState.Open)
                {
                    var result = await socket.ReceiveAsync(buffer, context.RequestAborted);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                        break;
                    }
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }
            set.TryRemove(socket, out _);
            if (set.IsEmpty)
                sockets.TryRemove(user, out _);
            return Results.Empty;
        }), "user", null);
        await app.StartAsync(cancellationToken);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
        await app.StopAsync(CancellationToken.None);
        return 0;
    }

    /// <summary>
    /// Starts this executable as <c>serve-ceiling</c> on a free port and waits for it; <paramref name="cpus"/> (a taskset
    /// CPU list) pins it to those CPUs; <paramref name="stack"/>: what it runs around its endpoints.
    /// </summary>
    public static async Task<CeilingProcess> StartProcessAsync(string? cpus = null, CeilingStack stack = CeilingStack.Bare)
    {
        var port = ProcessTools.FreeTcpPort();
        var self = Environment.ProcessPath ?? "dotnet";
        var assembly = typeof(CeilingServer).Assembly.Location;
        string[] arguments = Path.GetFileNameWithoutExtension(self) == "dotnet"
            ? [assembly, "serve-ceiling", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--stack", stack.ToString()]
            : ["serve-ceiling", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--stack", stack.ToString()];
        var psi = cpus is null ? new ProcessStartInfo(self, arguments) : Measuring.CpuPinning.Wrap(cpus, self, arguments);
        psi.UseShellExecute = false;
        psi.RedirectStandardOutput = true;
        var process = Process.Start(psi) ?? throw new InvalidOperationException("ceiling server did not start");
        process.BeginOutputReadLine();
        var ceiling = new CeilingProcess(process, new Uri($"http://127.0.0.1:{port}/"), stack);
        try
        {
            await ProcessTools.WaitForPortAsync(port, TimeSpan.FromSeconds(20), () => process.HasExited);
            return ceiling;
        }
        catch
        {
            await ceiling.DisposeAsync();
            throw;
        }
    }
}

/// <summary>The ceiling server process.</summary>
public sealed class CeilingProcess(Process process, Uri baseUrl, CeilingStack stack = CeilingStack.Bare) : IAsyncDisposable
{
    /// <summary>The signaling target it offers.</summary>
    public ISignalingTarget Target { get; } = new CeilingTarget(baseUrl, process.Id, stack);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        process.Dispose();
    }

    private sealed record CeilingTarget(Uri BaseUrl, int? ProcessId, CeilingStack Stack) : ISignalingTarget
    {
        public string Name => Stack == CeilingStack.Framework ? "ceiling (minimal ASP.NET + framework stack)" : "ceiling (minimal ASP.NET)";
        public string ApiKey => CeilingServer.ApiKey;
    }
}

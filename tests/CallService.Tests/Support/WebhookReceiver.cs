using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StandardWebhooks;

namespace CallService.Tests.Support;

/// <summary>
/// A real webhook receiver: Kestrel on 127.0.0.1 (a free port, or the one given) with <c>POST /hook</c>. Every request
/// is recorded with its Standard Webhooks headers and whether its signature verifies (the StandardWebhooks library,
/// with the endpoint's secret); the first <c>refuseFirst</c> requests are answered 503, the rest 204.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly StandardWebhook _verifier;
    private readonly int _refuseFirst;
    private readonly Lock _gate = new();
    private readonly List<Request> _requests = [];

    /// <summary>One request as received.</summary>
    /// <param name="Accepted">Answered 2xx (a delivery); false = refused on purpose.</param>
    /// <param name="VerifyError">Why the signature did not verify; null when it did.</param>
    public sealed record Request(string Id, string Timestamp, string Signature, string Body, bool Accepted, string? VerifyError)
    {
        public string Type => JsonDocument.Parse(Body).RootElement.GetProperty("type").GetString()!;

        public JsonElement Data => JsonDocument.Parse(Body).RootElement.GetProperty("data").Clone();
    }

    private WebhookReceiver(WebApplication app, string secret, int refuseFirst)
    {
        _app = app;
        _verifier = new StandardWebhook(secret);
        _refuseFirst = refuseFirst;
    }

    public static async Task<WebhookReceiver> StartAsync(string secret, int refuseFirst = 0, int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, secret, refuseFirst);
        app.MapPost("/hook", receiver.HandleAsync);
        await app.StartAsync();
        receiver.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/hook";
        return receiver;
    }

    /// <summary><c>http://127.0.0.1:{port}/hook</c>.</summary>
    public string Url { get; private set; } = "";

    public IReadOnlyList<Request> Requests
    {
        get { lock (_gate) return [.. _requests]; }
    }

    /// <summary>Accepted requests, de-duplicated on <c>webhook-id</c> (first arrival kept), in arrival order.</summary>
    public IReadOnlyList<Request> Delivered => [.. Requests.Where(r => r.Accepted).DistinctBy(r => r.Id)];

    /// <summary>Waits (polling, bounded by <paramref name="timeout"/>) until <paramref name="done"/> holds for <see cref="Delivered"/>.</summary>
    public async Task<IReadOnlyList<Request>> WaitForAsync(Func<IReadOnlyList<Request>, bool> done, TimeSpan timeout, Action? tick = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (done(Delivered)) return Delivered;
            tick?.Invoke();
            await Task.Delay(50);
        }
        return Delivered;
    }

    private async Task<IResult> HandleAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync();
        string? error = null;
        try
        {
            _verifier.Verify(body, request.Headers);
        }
        catch (Exception e)
        {
            error = e.Message;
        }
        bool accepted;
        lock (_gate)
        {
            accepted = _requests.Count >= _refuseFirst;
            _requests.Add(new Request(request.Headers["webhook-id"].ToString(), request.Headers["webhook-timestamp"].ToString(),
                request.Headers["webhook-signature"].ToString(), body, accepted, error));
        }
        return accepted ? Results.NoContent() : Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

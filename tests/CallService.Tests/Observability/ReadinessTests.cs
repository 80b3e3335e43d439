using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CallMedia.Hosting;
using CallService.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TestSupport.Storage;

namespace CallService.Tests.Observability;

/// <summary><c>GET /readyz</c>: 200 only when the store takes a write and the RTMP listener is bound; 503 naming the reason.</summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task Readyz_WhenTheStoreWritesAndTheRtmpListenerIsBound_Is200()
    {
        using var host = new ServiceHost();
        var response = await host.Http(bearer: null).GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("ready", body["status"]!.GetValue<string>());
        Assert.Equal(("ok", "ok"), (body["checks"]!["store"]!.GetValue<string>(), body["checks"]!["rtmp"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.OK, (await host.Http(bearer: null).GetAsync("/healthz")).StatusCode);
    }

    [SqliteOnlyFact("SQLite's write lock; PostgresReadinessTests covers an unreachable PostgreSQL")]
    public async Task Readyz_WhileAnotherConnectionHoldsTheSqliteWriteLock_Is503NamingTheStore_ThenRecovers()
    {
        using var host = new ServiceHost(settings: new() { ["Readiness:StoreProbeTimeoutMs"] = "300" });
        var http = host.Http(bearer: null);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);

        using (SqliteWriteLock.Hold(Path.Combine(host.DataDirectory, "calls.db")))
        {
            var response = await http.GetAsync("/readyz");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
            var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Equal(503, problem["status"]!.GetValue<int>());
            Assert.Equal("The store did not complete a write within 300 ms.", problem["detail"]!.GetValue<string>());
            Assert.Equal("ok", problem["checks"]!["rtmp"]!.GetValue<string>());
            Assert.NotEqual("ok", problem["checks"]!["store"]!.GetValue<string>());
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode); // liveness is not readiness
        }

        await PollReady(http, HttpStatusCode.OK, seconds: 10);
    }

    [Fact]
    public async Task Readyz_OnceTheRtmpListenerStopped_Is503NamingTheListener()
    {
        using var host = new ServiceHost();
        var http = host.Http(bearer: null);
        var relay = host.Services.GetRequiredService<IRelayEndpoints>();
        Assert.True(relay.RtmpListening);

        await ((IHostedService)relay).StopAsync(CancellationToken.None);

        Assert.False(relay.RtmpListening);
        var response = await http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("The RTMP listener is not bound (the relay has not started or has stopped).", problem["detail"]!.GetValue<string>());
        Assert.Equal("ok", problem["checks"]!["store"]!.GetValue<string>());
        Assert.Equal("Not ready", problem["title"]!.GetValue<string>());
        Assert.StartsWith("00-", problem["traceId"]!.GetValue<string>());
    }

    /// <summary>Reads /readyz until it answers <paramref name="status"/> (bounded), then asserts it.</summary>
    internal static async Task PollReady(HttpClient http, HttpStatusCode status, double seconds)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        HttpResponseMessage response;
        while ((response = await http.GetAsync("/readyz")).StatusCode != status && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        Assert.Equal(status, response.StatusCode);
    }
}

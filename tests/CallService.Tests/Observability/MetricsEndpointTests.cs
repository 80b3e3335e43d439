using System.Diagnostics.Metrics;
using System.Net;
using CallService.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using TestSupport.Storage;

namespace CallService.Tests.Observability;

/// <summary><c>GET /metrics</c>: the Prometheus text format, what it exports (and what not), and its auth option.</summary>
public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task Metrics_WithoutCredentials_IsPrometheusText_WithEverySeriesFromTheStart()
    {
        using var host = new ServiceHost();
        var response = await host.Http(bearer: null).GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        var scrape = new MetricsScrape(await response.Content.ReadAsStringAsync());
        foreach (var state in new[] { "ringing", "accepted", "connected" })
            Assert.Equal(0, scrape.Value("callservice_calls_active", ("state", state)));
        foreach (var reason in new[] { "hangup", "rejected", "cancelled", "no_answer", "busy", "client_terminal_code", "media_timeout", "media_lost", "max_duration", "service_restart" })
            Assert.Equal(0, scrape.Value("callservice_calls_ended", ("reason", reason)));
        Assert.Equal(0, scrape.Value("callservice_realtime_connections"));
        Assert.Equal(0, scrape.Value("callservice_media_publishers"));
        Assert.Equal(0, scrape.Value("callservice_media_viewers", ("protocol", "rtmp")));
        Assert.Equal(0, scrape.Value("callservice_media_viewers", ("protocol", "flv")));
        Assert.Equal(0, scrape.Value("callservice_media_bytes_in"));
        Assert.Equal(0, scrape.Value("callservice_media_bytes_out"));
        Assert.Equal(0, scrape.Value("callservice_media_drops", ("kind", "audio")));
        Assert.Equal(0, scrape.Value("callservice_media_drops", ("kind", "video")));
        Assert.True(scrape.Value("process_cpu_seconds_total") > 0);
        Assert.True(scrape.Value("process_working_set_bytes") > 0);
        // The framework's own meters are not exported (nor prometheus-net's EventCounter adapter).
        Assert.DoesNotContain("http_server_request_duration", scrape.Text);
        Assert.DoesNotContain("kestrel", scrape.Text);
        Assert.DoesNotContain("microsoft_aspnetcore", scrape.Text);
    }

    [Fact]
    public async Task CallsByState_AndEndedByReason_MoveWithARingingCall()
    {
        using var host = new ServiceHost();
        var alice = await host.TokenFor("alice");
        var bob = await host.TokenFor("bob");
        var metrics = host.Http(bearer: null);

        var call = await host.CreateCall(new { callee = new { userId = "bob" }, ring = true }, alice);
        var ringing = await MetricsScrape.From(metrics);
        Assert.Equal(1, ringing.Value("callservice_calls_active", ("state", "ringing")));

        host.Time.Advance(TimeSpan.FromSeconds(3));
        (await host.Http(bob).PostAsync($"/v1/calls/{call.CallId}/reject", null)).EnsureSuccessStatusCode();
        var ended = await MetricsScrape.From(metrics);
        Assert.Equal(0, ended.Value("callservice_calls_active", ("state", "ringing")));
        Assert.Equal(1, ended.Value("callservice_calls_ended", ("reason", "rejected")));
        Assert.Equal(0, ended.Value("callservice_calls_ended", ("reason", "hangup")));
        // Rang 3 s (the test clock) and was rejected.
        Assert.Equal(1, ended.Count("callservice_calls_ring_duration", ("outcome", "rejected")));
        Assert.Equal(3, ended.Value("callservice_calls_ring_duration_sum", ("outcome", "rejected")), 3);
        Assert.Equal(0, ended.Value("callservice_calls_ring_duration_bucket", ("le", "2"), ("outcome", "rejected")));
        Assert.Equal(1, ended.Value("callservice_calls_ring_duration_bucket", ("le", "3"), ("outcome", "rejected")));
        Assert.True(ended.Count("callservice_store_write_duration", ("outcome", "ok"), ("store", TestStorage.Provider)) >= 2);

        // A busy call never rang: counted as ended busy, not in the ring time.
        var busy = await host.CreateCall(new { caller = new { userId = "carol" }, callee = new { userId = "dave" }, ring = false });
        var second = await host.CreateCall(new { caller = new { userId = "erin" }, callee = new { userId = "dave" }, ring = true });
        Assert.Equal("busy", second.EndReason);
        var after = await MetricsScrape.From(metrics);
        Assert.Equal(1, after.Value("callservice_calls_ended", ("reason", "busy")));
        Assert.Equal(1, after.Value("callservice_calls_active", ("state", "accepted")));
        Assert.Equal(0, after.Count("callservice_calls_ring_duration", ("outcome", "busy")));
        Assert.Equal(1, after.Count("callservice_calls_ring_duration", ("outcome", "rejected")));
        Assert.NotNull(busy.CallId);
    }

    [Fact]
    public async Task CallsLeftOpenByThePreviousRun_CountAsEndedServiceRestart()
    {
        var dir = ServiceHost.NewDataDirectory();
        try
        {
            using (var first = new ServiceHost(dir))
                await first.CreateCall(new { caller = new { userId = "alice" }, callee = new { userId = "bob" }, ring = false });
            using var second = new ServiceHost(dir);
            var scrape = await MetricsScrape.From(second.Http(bearer: null));
            Assert.Equal(1, scrape.Value("callservice_calls_ended", ("reason", "service_restart")));
            Assert.Equal(0, scrape.Value("callservice_calls_active", ("state", "accepted")));
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task WebSocketConnections_GaugeFollowsTheSockets()
    {
        using var host = new ServiceHost();
        var metrics = host.Http(bearer: null);
        var ws = await host.Connect(await host.TokenFor("alice"));
        await using (var ws2 = await host.Connect(await host.TokenFor("bob")))
        {
            await Poll(metrics, s => s.Value("callservice_realtime_connections") == 2);
        }
        await Poll(metrics, s => s.Value("callservice_realtime_connections") == 1);
        await ws.DisposeAsync();
        await Poll(metrics, s => s.Value("callservice_realtime_connections") == 0);
    }

    [Fact]
    public async Task WebhookDeliveries_OnTheCallServiceWebhooksMeter_AreExported_OtherMetersAreNot()
    {
        using var host = new ServiceHost();
        // The webhook sender's counter as its meter declares it; a label value of this test's own, as a process-wide
        // meter is seen by every host running in this test process.
        using var webhooks = new Meter("CallService.Webhooks");
        var deliveries = webhooks.CreateCounter<long>("deliveries", "{delivery}", "Webhook deliveries by outcome.");
        using var other = new Meter("Contoso.Metrics");
        other.CreateCounter<long>("contoso.requests").Add(5);
        // A CallService meter of another host (its own IMeterFactory) stays out of this host's scrape.
        using var neighbour = new ServiceHost();
        neighbour.Services.GetRequiredService<IMeterFactory>().Create("CallService.Neighbour").CreateCounter<long>("callservice.neighbour.things").Add(1);

        deliveries.Add(2, new KeyValuePair<string, object?>("outcome", "metrics_test_delivered"));
        deliveries.Add(1, new KeyValuePair<string, object?>("outcome", "metrics_test_failed"));
        // The host's own factory: exported.
        host.Services.GetRequiredService<IMeterFactory>().Create("CallService.Tests").CreateCounter<long>("callservice.tests.things").Add(4);

        var scrape = await MetricsScrape.From(host.Http(bearer: null));
        Assert.Equal(2, scrape.Value("callservice_webhooks_deliveries", ("outcome", "metrics_test_delivered")));
        Assert.Equal(1, scrape.Value("callservice_webhooks_deliveries", ("outcome", "metrics_test_failed")));
        Assert.Equal(4, scrape.Value("callservice_tests_callservice_tests_things"));
        Assert.DoesNotContain("contoso", scrape.Text);
        Assert.DoesNotContain("neighbour", scrape.Text);
    }

    [Fact]
    public async Task Metrics_WithRequireApiKey_Is401WithoutTheKey_And200WithIt()
    {
        using var host = new ServiceHost(settings: new() { ["Metrics:RequireApiKey"] = "true" });
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Http(bearer: null).GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Http().GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Http(bearer: null).GetAsync("/readyz")).StatusCode); // probes carry no key
    }

    /// <summary>Scrapes until <paramref name="until"/> holds (up to 5 s), then asserts it.</summary>
    internal static async Task<MetricsScrape> Poll(HttpClient metrics, Func<MetricsScrape, bool> until, double seconds = 5)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var scrape = await MetricsScrape.From(metrics);
            if (until(scrape)) return scrape;
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"The metrics did not reach the expected values within {seconds} s:\n{scrape.Text}");
            }
            await Task.Delay(100);
        }
    }
}

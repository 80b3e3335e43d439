using System.Net;
using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests;

/// <summary><c>/readyz</c> and <c>/metrics</c> of the real process, as an orchestrator and Prometheus reach them (no credentials).</summary>
public sealed class ObservabilityEndToEndTests
{
    [Fact]
    public async Task RealProcess_IsReady_AndItsMetricsCountACall()
    {
        await using var service = await ServiceProcess.StartAsync();
        using var anonymous = new HttpClient { BaseAddress = service.Http.BaseAddress };

        var ready = await anonymous.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("""{"status":"ready","checks":{"store":"ok","rtmp":"ok"}}""", await ready.Content.ReadAsStringAsync());

        await service.CreateDirectCallAsync("mia", "ned");
        var metrics = await anonymous.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        var text = await metrics.Content.ReadAsStringAsync();
        Assert.Contains("\ncallservice_calls_active{state=\"accepted\"} 1\n", text);
        Assert.Contains("\ncallservice_media_publishers 0\n", text);
        Assert.Contains("\nprocess_cpu_seconds_total ", text);
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CallContracts.Webhooks;
using CallMedia.Access;
using CallMedia.Events;
using CallService.Tests.Support;

namespace CallService.Tests.Integration;

/// <summary>
/// Webhooks through the real host (Kestrel, SQLite, the dispatcher) to a real receiver (Kestrel on 127.0.0.1). The
/// host's clock is manual: the test moves it on while it waits, so back-offs pass without sleeping.
/// </summary>
public sealed class WebhookDeliveryTests
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static readonly string[] Lifecycle = ["call.created", "call.accepted", "call.connected", "call.ended"];

    private static ServiceHost Host(WebhookReceiver receiver, int maxAttempts = 10, string? dataDirectory = null, ManualTimeProvider? time = null) =>
        new(dataDirectory, new Dictionary<string, string?>
        {
            ["Webhooks:Endpoints:0:Url"] = receiver.Url,
            ["Webhooks:Endpoints:0:Secret"] = Secret,
            ["Webhooks:MaxAttempts"] = maxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Webhooks:FirstRetryDelaySeconds"] = "1",
            ["Webhooks:MaxRetryDelaySeconds"] = "2",
        }, time: time);

    /// <summary>ringing → accepted → connected (the relay's view) → ended (hang-up by a); returns the call id.</summary>
    private static async Task<string> RunCall(ServiceHost host)
    {
        var alice = await host.TokenFor("alice");
        var bob = await host.TokenFor("bob");
        var id = (await host.CreateCall(new { callee = new { userId = "bob" }, scenario = "general", ring = true }, alice)).CallId;
        Assert.Equal(HttpStatusCode.OK, (await host.Http(bob).PostAsync($"/v1/calls/{id}/accept", null)).StatusCode);
        var now = host.Time.GetUtcNow();
        host.MediaEvents.OnMediaEvent(new PublishStarted($"{id}-a", now, 1, null));
        host.MediaEvents.OnMediaEvent(new PublishStarted($"{id}-b", now, 2, null));
        host.MediaEvents.OnMediaEvent(new PlayStarted($"{id}-a", now, 10, MediaTransport.Rtmp));
        host.MediaEvents.OnMediaEvent(new PlayStarted($"{id}-b", now, 11, MediaTransport.Rtmp));
        for (var i = 0; i < 100 && (await host.Http().GetFromJsonAsync<JsonElement>($"/v1/calls/{id}")).GetProperty("state").GetString() != "connected"; i++)
            await Task.Delay(20);
        Assert.Equal(HttpStatusCode.OK, (await host.Http(alice).PostAsync($"/v1/calls/{id}/hangup", null)).StatusCode);
        return id;
    }

    [Fact]
    public async Task EveryEventOfACall_ArrivesOnce_InOrder_Signed_ThoughTheReceiverRefusedTheFirstThree()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret, refuseFirst: 3);
        using var host = Host(receiver);
        var id = await RunCall(host);

        var delivered = await receiver.WaitForAsync(d => d.Count >= 4, TimeSpan.FromSeconds(60), () => host.Time.Advance(TimeSpan.FromSeconds(1)));

        Assert.Equal(Lifecycle, delivered.Select(r => r.Type));
        Assert.All(delivered, r => Assert.Null(r.VerifyError));
        Assert.All(receiver.Requests, r => Assert.Null(r.VerifyError)); // refused attempts were signed too
        Assert.Equal(["ringing", "accepted", "connected", "ended"], delivered.Select(r => r.Data.GetProperty("state").GetString()));
        Assert.All(delivered, r => Assert.Equal(id, r.Data.GetProperty("callId").GetString()));
        Assert.Equal("hangup", delivered[3].Data.GetProperty("endReason").GetString());
        Assert.NotNull(delivered[1].Data.GetProperty("parties").GetProperty("b").GetProperty("pushUrl").GetString()); // the API key's view
        var refused = receiver.Requests.Where(r => !r.Accepted).ToList();
        Assert.Equal(3, refused.Count);
        Assert.All(refused, r => Assert.Equal(delivered[0].Id, r.Id)); // the first event, retried under its own id
        Assert.Equal(4, receiver.Requests.Select(r => r.Id).Distinct().Count());

        var list = await host.Http().GetFromJsonAsync<WebhookDeliveryList>("/v1/webhooks/deliveries?status=delivered", ServiceHost.Json);
        Assert.Equal(Enumerable.Reverse(Lifecycle), list!.Deliveries.Select(d => d.Type)); // newest first
        Assert.Equal([1, 1, 1, 4], list.Deliveries.Select(d => d.Attempts));
        Assert.All(list.Deliveries, d => Assert.Equal((receiver.Url, id, "delivered", 204), (d.Endpoint, d.CallId, d.Status, d.LastStatusCode)));
    }

    [Fact]
    public async Task AMessageOutOfAttempts_IsListedAsFailed_AndTheRetryEndpointDeliversIt()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret, refuseFirst: 2);
        using var host = Host(receiver, maxAttempts: 2);
        var id = await RunCall(host);
        var delivered = await receiver.WaitForAsync(d => d.Count >= 3, TimeSpan.FromSeconds(60), () => host.Time.Advance(TimeSpan.FromSeconds(1)));
        Assert.Equal(["call.accepted", "call.connected", "call.ended"], delivered.Select(r => r.Type)); // created failed: the rest went on

        var failed = Assert.Single((await host.Http().GetFromJsonAsync<WebhookDeliveryList>("/v1/webhooks/deliveries?status=failed", ServiceHost.Json))!.Deliveries);
        Assert.Equal(("call.created", id, 2, 503, "HTTP 503"), (failed.Type, failed.CallId, failed.Attempts, failed.LastStatusCode, failed.LastError));
        Assert.Empty((await host.Http().GetFromJsonAsync<WebhookDeliveryList>("/v1/webhooks/deliveries?status=pending", ServiceHost.Json))!.Deliveries);

        var retried = await host.Http().PostAsync($"/v1/webhooks/deliveries/{failed.Id}/retry", null);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        var requeued = (await retried.Content.ReadFromJsonAsync<WebhookDeliveryResponse>(ServiceHost.Json))!;
        Assert.Equal(("pending", 0), (requeued.Status, requeued.Attempts));
        delivered = await receiver.WaitForAsync(d => d.Count >= 4, TimeSpan.FromSeconds(30), () => host.Time.Advance(TimeSpan.FromSeconds(1)));
        Assert.Equal("call.created", delivered[3].Type);
        Assert.Equal(failed.MessageId, delivered[3].Id);

        var again = await host.Http().PostAsync($"/v1/webhooks/deliveries/{failed.Id}/retry", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("delivery_not_failed", (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rule").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await host.Http().PostAsync("/v1/webhooks/deliveries/999999/retry", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Http().PostAsync("/v1/webhooks/deliveries/abc/retry", null)).StatusCode);
    }

    [Fact]
    public async Task ACallLeftOpenByAStop_GetsItsCallEnded_ServiceRestart_FromTheNextStart()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        var dir = ServiceHost.NewDataDirectory();
        var clock = new ManualTimeProvider(); // real time of day: receivers check webhook-timestamp against their clock
        string id;
        using (var first = Host(receiver, dataDirectory: dir, time: clock))
        {
            id = (await first.CreateCall(new { caller = new { userId = "alice" }, callee = new { userId = "bob" }, scenario = "general", ring = false })).CallId;
            Assert.Equal(2, (await receiver.WaitForAsync(d => d.Count >= 2, TimeSpan.FromSeconds(30))).Count);
        }
        clock.Advance(TimeSpan.FromSeconds(30)); // the service is down

        using var second = Host(receiver, dataDirectory: dir, time: clock);
        var delivered = await receiver.WaitForAsync(d => d.Count >= 3, TimeSpan.FromSeconds(30), () => clock.Advance(TimeSpan.FromSeconds(1)));
        Assert.Equal(["call.created", "call.accepted", "call.ended"], delivered.Select(r => r.Type));
        Assert.Equal((id, "ended", "service_restart", "system"), (delivered[2].Data.GetProperty("callId").GetString(),
            delivered[2].Data.GetProperty("state").GetString(), delivered[2].Data.GetProperty("endReason").GetString(),
            delivered[2].Data.GetProperty("endedBy").GetString()));
        Assert.All(delivered, r => Assert.Null(r.VerifyError));
    }

    [Fact]
    public async Task TheDeliveriesApi_NeedsTheApiKey_AndRejectsAnUnknownStatus()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        using var host = Host(receiver);
        var bad = await host.Http().GetAsync("/v1/webhooks/deliveries?status=lost");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        var problem = await bad.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("pending", problem.GetProperty("errors").GetProperty("status")[0].GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await host.Http().GetAsync("/v1/webhooks/deliveries?limit=0")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Http().GetAsync("/v1/webhooks/deliveries")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Http(bearer: null).GetAsync("/v1/webhooks/deliveries")).StatusCode);
        var user = await host.TokenFor("alice");
        Assert.Equal(HttpStatusCode.Forbidden, (await host.Http(user).GetAsync("/v1/webhooks/deliveries")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await host.Http(user).PostAsync("/v1/webhooks/deliveries/1/retry", null)).StatusCode);
    }
}

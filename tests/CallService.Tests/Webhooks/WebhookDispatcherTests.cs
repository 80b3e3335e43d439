using System.Net;
using CallService.Webhooks;
using Microsoft.AspNetCore.Http;
using StandardWebhooks;

namespace CallService.Tests.Webhooks;

/// <summary>The dispatcher's schedule and order on a fake clock (real SQLite outbox, scripted receiver).</summary>
public sealed class WebhookDispatcherTests
{
    [Fact]
    public async Task ARefusedMessage_IsRetriedOnlyAfterItsBackOff_ThenDelivered()
    {
        using var kit = new WebhookTestKit();
        kit.Answer = (_, _, n) => n < 2 ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK;
        kit.Outbox.Enqueue(WebhookEventTypes.CallCreated, "c1", new { callId = "c1" });
        var t0 = kit.Time.GetUtcNow();

        Assert.Equal(1, await kit.RoundAsync());
        var row = kit.Row("c1", WebhookEventTypes.CallCreated);
        Assert.Equal((WebhookStatus.Pending, 1, 503, "HTTP 503"), (row.Status, row.Attempts, row.LastStatusCode, row.LastError));
        Assert.Equal(Ms(t0 + TimeSpan.FromSeconds(10)), row.NextAttemptAt); // d = 10 s, jitter at its top

        kit.Time.Advance(TimeSpan.FromSeconds(9.9));
        Assert.Equal(0, await kit.RoundAsync());
        kit.Time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(1, await kit.RoundAsync());
        Assert.Equal(Ms(kit.Time.GetUtcNow() + TimeSpan.FromSeconds(20)), kit.Row("c1", WebhookEventTypes.CallCreated).NextAttemptAt); // doubled

        kit.Time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(1, await kit.RoundAsync());
        row = kit.Row("c1", WebhookEventTypes.CallCreated);
        Assert.Equal((WebhookStatus.Delivered, 3, 200), (row.Status, row.Attempts, row.LastStatusCode));
        Assert.Equal(3, kit.Requests.Count);
        Assert.Single(kit.Requests.Select(r => r.Id).Distinct()); // one webhook-id on every attempt
        Assert.Equal((2, 1, 0), (kit.Outcomes("retry"), kit.Outcomes("delivered"), kit.Outcomes("failed")));
    }

    [Fact]
    public async Task TheNextMessageOfACall_WaitsUntilThePreviousIsDelivered_OtherCallsDoNot()
    {
        using var kit = new WebhookTestKit();
        var refusedOnce = false;
        kit.Answer = (type, call, _) =>
        {
            if (call != "c1" || type != WebhookEventTypes.CallCreated || refusedOnce) return HttpStatusCode.NoContent;
            refusedOnce = true;
            return HttpStatusCode.InternalServerError;
        };
        kit.Outbox.Enqueue(WebhookEventTypes.CallCreated, "c1", new { callId = "c1" });
        kit.Outbox.Enqueue(WebhookEventTypes.CallAccepted, "c1", new { callId = "c1" });
        kit.Outbox.Enqueue(WebhookEventTypes.CallCreated, "c2", new { callId = "c2" });
        kit.Outbox.Enqueue(WebhookEventTypes.CallEnded, "c2", new { callId = "c2" });

        Assert.Equal(2, await kit.RoundAsync()); // c1 created (refused), c2 created
        Assert.Equal(1, await kit.RoundAsync()); // c2 ended; c1 accepted waits behind its refused created
        Assert.Equal(0, await kit.RoundAsync());
        kit.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(1, await kit.RoundAsync()); // c1 created again, delivered
        Assert.Equal(1, await kit.RoundAsync()); // then c1 accepted
        var sent = kit.Requests.Select(r => $"{r.CallId} {r.Type}").ToList();
        Assert.Equal(["c1 call.created", "c2 call.created"], sent.Take(2).Order()); // one round: sent in parallel
        Assert.Equal(["c2 call.ended", "c1 call.created", "c1 call.accepted"], sent.Skip(2));
    }

    [Fact]
    public async Task AfterMaxAttempts_TheMessageIsKeptAsFailed_AndTheNextOneGoesOut()
    {
        using var kit = new WebhookTestKit(maxAttempts: 3, jitter: 0);
        kit.Answer = (type, _, _) => type == WebhookEventTypes.CallCreated ? HttpStatusCode.InternalServerError : HttpStatusCode.OK;
        kit.Outbox.Enqueue(WebhookEventTypes.CallCreated, "c1", new { callId = "c1" });
        kit.Outbox.Enqueue(WebhookEventTypes.CallEnded, "c1", new { callId = "c1" });

        Assert.Equal(1, await kit.RoundAsync());
        kit.Time.Advance(TimeSpan.FromSeconds(5)); // jitter 0: d/2 of 10 s
        Assert.Equal(1, await kit.RoundAsync());
        kit.Time.Advance(TimeSpan.FromSeconds(10)); // d/2 of 20 s
        Assert.Equal(1, await kit.RoundAsync());
        var failed = kit.Row("c1", WebhookEventTypes.CallCreated);
        Assert.Equal((WebhookStatus.Failed, 3, 500, "HTTP 500", (DateTimeOffset?)null),
            (failed.Status, failed.Attempts, failed.LastStatusCode, failed.LastError, failed.NextAttemptAt));

        Assert.Equal(1, await kit.RoundAsync());
        Assert.Equal(WebhookStatus.Delivered, kit.Row("c1", WebhookEventTypes.CallEnded).Status);
        kit.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await kit.RoundAsync()); // failed stays failed
        Assert.Equal((2, 1, 1), (kit.Outcomes("retry"), kit.Outcomes("failed"), kit.Outcomes("delivered")));
    }

    [Fact]
    public async Task EveryAttempt_IsSignedAsStandardWebhooksSays_OverIdTimestampAndBody()
    {
        using var kit = new WebhookTestKit();
        kit.Outbox.Enqueue(WebhookEventTypes.CallEnded, "c1", new { callId = "c1", endReason = "hangup" }, kit.Time.GetUtcNow());
        await kit.RoundAsync();
        var request = Assert.Single(kit.Requests);
        Assert.StartsWith("msg_", request.Id);
        Assert.Equal(kit.Time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), request.Timestamp);
        var headers = new HeaderDictionary
        {
            ["webhook-id"] = request.Id, ["webhook-timestamp"] = request.Timestamp, ["webhook-signature"] = request.Signature,
        };
        new StandardWebhook(WebhookTestKit.Secret).Verify(request.Body, headers); // throws when invalid
        Assert.Throws<StandardWebhooks.Diagnostics.WebhookVerificationException>(() =>
            new StandardWebhook(WebhookTestKit.Secret).Verify(request.Body.Replace("hangup", "hangUp"), headers));
        using var body = System.Text.Json.JsonDocument.Parse(request.Body);
        Assert.Equal("call.ended", body.RootElement.GetProperty("type").GetString());
        Assert.Equal("hangup", body.RootElement.GetProperty("data").GetProperty("endReason").GetString());
        Assert.True(body.RootElement.TryGetProperty("timestamp", out _));
    }

    [Fact]
    public async Task DeliveredMessages_AreDeletedAfterTheRetention_FailedOnesStay()
    {
        using var kit = new WebhookTestKit(maxAttempts: 1);
        kit.Answer = (_, call, _) => call == "c1" ? HttpStatusCode.OK : HttpStatusCode.InternalServerError;
        kit.Outbox.Enqueue(WebhookEventTypes.CallEnded, "c1", new { callId = "c1" });
        kit.Outbox.Enqueue(WebhookEventTypes.CallEnded, "c2", new { callId = "c2" });
        Assert.Equal(2, await kit.RoundAsync());

        kit.Time.Advance(kit.Options.RetainDelivered - TimeSpan.FromMinutes(1));
        kit.Dispatcher.Sweep();
        Assert.Equal(2, kit.Store.WebhookDeliveries(null, null, 10).Count);
        kit.Time.Advance(TimeSpan.FromHours(1)); // the next hourly sweep
        kit.Dispatcher.Sweep();
        var left = Assert.Single(kit.Store.WebhookDeliveries(null, null, 10));
        Assert.Equal(("c2", WebhookStatus.Failed), (left.Message.CallId, left.Status));
    }

    [Theory]
    [InlineData(1, 10)]
    [InlineData(2, 20)]
    [InlineData(3, 40)]
    [InlineData(4, 60)] // capped
    [InlineData(30, 60)]
    public void TheBackOff_DoublesUpToTheCap_AndItsJitterStaysInTheUpperHalf(int attempts, double ceilingSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(ceilingSeconds), new WebhookRetrySchedule(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60)).Ceiling(attempts));
        Assert.Equal(TimeSpan.FromSeconds(ceilingSeconds / 2), new WebhookRetrySchedule(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60), () => 0).Delay(attempts));
        Assert.Equal(TimeSpan.FromSeconds(ceilingSeconds), new WebhookRetrySchedule(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60), () => 1).Delay(attempts));
        var random = new WebhookRetrySchedule(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60));
        var delays = Enumerable.Range(0, 200).Select(_ => random.Delay(attempts).TotalSeconds).ToList();
        Assert.All(delays, d => Assert.InRange(d, ceilingSeconds / 2, ceilingSeconds));
        Assert.True(delays.Distinct().Count() > 1, "jitter varies the delays");
    }

    private static DateTimeOffset Ms(DateTimeOffset at) => DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds());
}

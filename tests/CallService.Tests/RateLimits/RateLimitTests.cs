using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CallService.Tests.Integration;
using CallService.Tests.Support;

namespace CallService.Tests.RateLimits;

/// <summary>
/// <c>RateLimits:*</c> (docs/api.md "Rate limits"): token issue, call creation and status reports are limited per API
/// key and per user; a refused request is a 429 problem with <c>Retry-After</c>, other callers are unaffected, and
/// the bucket refills. Small limits are configured; the buckets refill on the limiter's own (real) clock.
/// </summary>
public sealed class RateLimitTests
{
    private const string SecondApiKey = "itest-second-api-key";

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>
    /// A limit of <paramref name="burst"/> at once, refilled by <paramref name="permits"/> per <paramref name="periodSeconds"/>;
    /// a minute's period keeps a refused bucket empty for the rest of a test, however slow the machine.
    /// </summary>
    private static Dictionary<string, string?> Limit(string endpoint, string who, int burst, int permits = 1, int periodSeconds = 60) => new()
    {
        [$"RateLimits:{endpoint}:{who}:Permits"] = permits.ToString(),
        [$"RateLimits:{endpoint}:{who}:PeriodSeconds"] = periodSeconds.ToString(),
        [$"RateLimits:{endpoint}:{who}:Burst"] = burst.ToString(),
    };

    /// <summary>Asserts a 429 in the project's problem shape with a whole-seconds Retry-After; returns the seconds.</summary>
    private static async Task<int> AssertRateLimited(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = ProblemShapeTests.AssertShape(await response.Content.ReadFromJsonAsync<JsonElement>(), 429);
        Assert.Equal("rate_limited", problem.GetProperty("rule").GetString());
        Assert.Equal("https://tools.ietf.org/html/rfc6585#section-4", problem.GetProperty("type").GetString());
        Assert.True(problem.TryGetProperty("traceId", out _));
        var retryAfter = Assert.Single(response.Headers.GetValues("Retry-After"));
        Assert.True(int.TryParse(retryAfter, out var seconds) && seconds >= 1, retryAfter);
        return seconds;
    }

    private static Task<HttpResponseMessage> Create(ServiceHost host, string? bearer, string callee, string? caller = null) =>
        host.Http(bearer).PostAsync("/v1/calls", Json(caller is null
            ? $$"""{"callee":{"userId":"{{callee}}"},"ring":true}"""
            : $$"""{"caller":{"userId":"{{caller}}"},"callee":{"userId":"{{callee}}"},"ring":true}"""));

    [Fact]
    public async Task CallCreation_OverAUsersLimit_Is429_OtherCallersAreNot()
    {
        using var host = new ServiceHost(settings: Limit("CallCreation", "PerUser", burst: 2));
        var alice = await host.TokenFor("alice");
        var carol = await host.TokenFor("carol");

        Assert.Equal(HttpStatusCode.Created, (await Create(host, alice, "bob1")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Create(host, alice, "bob2")).StatusCode); // busy, but created
        var retryAfter = await AssertRateLimited(await Create(host, alice, "bob3"));
        Assert.True(retryAfter <= 60, $"Retry-After {retryAfter} s for a bucket refilling 1 per minute");

        // Another user, and the API key, have their own buckets.
        Assert.Equal(HttpStatusCode.Created, (await Create(host, carol, "dave")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Create(host, ServiceHost.ApiKey, "erin", caller: "frank")).StatusCode);
        await AssertRateLimited(await Create(host, alice, "bob4"));
    }

    [Fact]
    public async Task ARefusedCaller_IsServedAgain_AfterRetryAfter()
    {
        // One create per 2 s: back-to-back creates run into the limit, then the bucket refills.
        using var host = new ServiceHost(settings: Limit("CallCreation", "PerUser", burst: 1, permits: 1, periodSeconds: 2));
        var alice = await host.TokenFor("alice");
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 20 && refused is null; i++)
        {
            var response = await Create(host, alice, $"bob{i}");
            if (response.StatusCode != HttpStatusCode.Created) refused = response;
        }
        Assert.NotNull(refused);
        var retryAfter = await AssertRateLimited(refused);
        Assert.InRange(retryAfter, 1, 2);

        // Bounded poll (10 s, five times the period): served again.
        var status = HttpStatusCode.TooManyRequests;
        for (var i = 0; i < 100 && status == HttpStatusCode.TooManyRequests; i++)
        {
            await Task.Delay(100);
            status = (await Create(host, alice, "bob-again")).StatusCode;
        }
        Assert.Equal(HttpStatusCode.Created, status);
    }

    [Fact]
    public async Task TokenIssue_OverAnApiKeysLimit_Is429_AnotherKeyIsNot()
    {
        var settings = Limit("TokenIssue", "PerApiKey", burst: 2);
        settings["Auth:ApiKeys:1"] = SecondApiKey;
        using var host = new ServiceHost(settings: settings);
        var body = "{\"userId\":\"alice\"}";

        Assert.Equal(HttpStatusCode.OK, (await host.Http().PostAsync("/v1/tokens", Json(body))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Http().PostAsync("/v1/tokens", Json(body))).StatusCode);
        await AssertRateLimited(await host.Http().PostAsync("/v1/tokens", Json(body)));

        Assert.Equal(HttpStatusCode.OK, (await host.Http(SecondApiKey).PostAsync("/v1/tokens", Json(body))).StatusCode);
        // A header naming another partition changes nothing: the bucket comes from the credentials.
        var spoofed = new HttpRequestMessage(HttpMethod.Post, "/v1/tokens") { Content = Json(body) };
        spoofed.Headers.Add("X-Forwarded-For", "10.9.8.7");
        spoofed.Headers.Add("X-Api-Key", SecondApiKey);
        await AssertRateLimited(await host.Http().SendAsync(spoofed));
    }

    [Fact]
    public async Task StatusReports_OverAUsersLimit_Are429_ThePeersAreNot_AndTheCallIsUnchanged()
    {
        using var host = new ServiceHost(settings: Limit("StatusReports", "PerUser", burst: 2));
        var call = await host.CreateCall(new { caller = new { userId = "alice" }, callee = new { userId = "bob" }, ring = false });
        var alice = await host.TokenFor("alice");
        var bob = await host.TokenFor("bob");
        var path = $"/v1/calls/{call.CallId}/events";
        var warning = "{\"component\":\"pusher\",\"code\":1101}";

        Assert.Equal(HttpStatusCode.Accepted, (await host.Http(alice).PostAsync(path, Json(warning))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await host.Http(alice).PostAsync(path, Json(warning))).StatusCode);
        await AssertRateLimited(await host.Http(alice).PostAsync(path, Json(warning)));
        Assert.Equal(HttpStatusCode.Accepted, (await host.Http(bob).PostAsync(path, Json(warning))).StatusCode);

        // The refused report was not applied: alice's two warnings are counted, not three.
        var seen = await host.Http().GetFromJsonAsync<JsonElement>($"/v1/calls/{call.CallId}");
        Assert.Equal(2, seen.GetProperty("parties").GetProperty("a").GetProperty("quality").GetProperty("warnings").GetProperty("1101").GetInt32());
        Assert.Equal("accepted", seen.GetProperty("state").GetString());
    }

    [Fact]
    public async Task RealtimeStatusFrames_OverAUsersLimit_AreAnsweredWith429ErrorFrames()
    {
        using var host = new ServiceHost(settings: Limit("StatusReports", "PerUser", burst: 2));
        var call = await host.CreateCall(new { caller = new { userId = "alice" }, callee = new { userId = "bob" }, ring = false });
        await using var alice = await host.Connect(await host.TokenFor("alice"));
        await using var bob = await host.Connect(await host.TokenFor("bob"));
        var frame = new { type = "status", callId = call.CallId, component = "pusher", code = 1101 };

        await alice.Send(frame);
        await alice.Next("status.result");
        await alice.Send(frame);
        await alice.Next("status.result");
        await alice.Send(frame);
        var error = await alice.Next("error");
        Assert.Equal(call.CallId, error.GetProperty("callId").GetString());
        var problem = ProblemShapeTests.AssertShape(error.GetProperty("problem"), 429);
        Assert.Equal("rate_limited", problem.GetProperty("rule").GetString());
        Assert.InRange(problem.GetProperty("retryAfter").GetInt32(), 1, 60);

        await bob.Send(frame); // the peer's own bucket
        Assert.Equal("accepted", (await bob.Next("status.result")).GetProperty("state").GetString());
    }

    [Fact]
    public async Task Disabled_NothingIsRefused()
    {
        var settings = Limit("CallCreation", "PerApiKey", burst: 1);
        settings["RateLimits:Enabled"] = "false";
        using var host = new ServiceHost(settings: settings);
        for (var i = 0; i < 5; i++)
            Assert.Equal(HttpStatusCode.Created, (await Create(host, ServiceHost.ApiKey, $"callee{i}", caller: $"caller{i}")).StatusCode);
    }

    [Fact]
    public void ALimitOutOfRange_StopsTheStart()
    {
        var error = Assert.ThrowsAny<Exception>(() => new ServiceHost(settings: Limit("StatusReports", "PerUser", burst: 5, permits: 0)));
        Assert.Contains("RateLimits", error.ToString());
    }
}

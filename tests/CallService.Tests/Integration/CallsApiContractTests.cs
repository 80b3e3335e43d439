using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CallContracts.Calls;
using CallMedia.Access;
using CallService.Auth;
using CallService.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using NSubstitute;

namespace CallService.Tests.Integration;

/// <summary>The coordinator endpoints' contract (docs/api.md), through the real host.</summary>
public sealed class CallsApiContractTests : IDisposable
{
    private readonly ServiceHost _host = new();

    public void Dispose() => _host.Dispose();

    private static object Body(string caller = "alice", string callee = "bob", string scenario = "customer_service", bool ring = false) =>
        new { caller = new { userId = caller }, callee = new { userId = callee }, scenario, ring };

    [Fact]
    public async Task Create_Direct_Returns201_WithBothPartiesUrlsAndRtcSettings()
    {
        var response = await _host.Http().PostAsJsonAsync("/v1/calls", Body());
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = json.GetProperty("callId").GetString()!;
        Assert.Equal($"/v1/calls/{id}", response.Headers.Location!.ToString());
        Assert.Matches("^[A-Za-z0-9_]+$", id);
        Assert.Equal("accepted", json.GetProperty("state").GetString());
        Assert.Equal("customer_service", json.GetProperty("scenario").GetString());
        Assert.True(DateTimeOffset.TryParse(json.GetProperty("createdAt").GetString(), out _));

        var secrets = _host.Services.GetRequiredService<ServiceSecrets>();
        var a = json.GetProperty("parties").GetProperty("a");
        var b = json.GetProperty("parties").GetProperty("b");
        Assert.Equal("alice", a.GetProperty("userId").GetString());
        Assert.Equal("bob", b.GetProperty("userId").GetString());
        AssertSigned(a.GetProperty("pushUrl").GetString()!, "rtmp://127.0.0.1:", $"{id}-a", secrets.PushKey);
        AssertSigned(a.GetProperty("playUrl").GetString()!, "rtmp://127.0.0.1:", $"{id}-b", secrets.PlayKey);
        AssertSigned(a.GetProperty("playFlvUrl").GetString()!, $"{_host.BaseAddress.ToString().TrimEnd('/')}/live/", $"{id}-b", secrets.PlayKey, ".flv");
        AssertSigned(b.GetProperty("pushUrl").GetString()!, "rtmp://127.0.0.1:", $"{id}-b", secrets.PushKey);
        AssertSigned(b.GetProperty("playUrl").GetString()!, "rtmp://127.0.0.1:", $"{id}-a", secrets.PlayKey);
        AssertSigned(b.GetProperty("playFlvUrl").GetString()!, $"{_host.BaseAddress.ToString().TrimEnd('/')}/live/", $"{id}-a", secrets.PlayKey, ".flv");

        foreach (var party in (JsonElement[])[a, b])
        {
            var pusher = party.GetProperty("pusher");
            Assert.Equal(("RTC", 200, 500, "high"), (pusher.GetProperty("mode").GetString(), pusher.GetProperty("minBitrate").GetInt32(),
                pusher.GetProperty("maxBitrate").GetInt32(), pusher.GetProperty("audioQuality").GetString()));
            var player = party.GetProperty("player");
            Assert.Equal(("RTC", 0.2, 0.8), (player.GetProperty("mode").GetString(), player.GetProperty("minCache").GetDouble(), player.GetProperty("maxCache").GetDouble()));
        }
    }

    private static void AssertSigned(string url, string prefix, string stream, string key, string suffix = "")
    {
        // The RTMP port is whatever the relay bound (Media:Rtmp:Port=0 here).
        Assert.Matches("^" + System.Text.RegularExpressions.Regex.Escape(prefix) + (prefix.StartsWith("rtmp") ? "[0-9]+/live/" : "") +
                       System.Text.RegularExpressions.Regex.Escape(stream + suffix + "?txSecret=") + "[0-9a-f]{32}&txTime=", url);
        var query = url[(url.IndexOf('?') + 1)..];
        var txTime = query[(query.IndexOf("txTime=") + 7)..];
        Assert.Matches("^[0-9A-F]+$", txTime);
        Assert.Equal($"txSecret={TxSecret.Compute(key, stream, txTime)}&txTime={txTime}", query);
    }

    [Theory]
    [InlineData("customer_service", 200, 500)]
    [InlineData("loss_assessment", 200, 1200)]
    [InlineData("general", 300, 800)]
    [InlineData("telemedicine", 300, 1200)]
    public async Task Create_UsesTheScenarioBitratePreset(string scenario, int min, int max)
    {
        var call = await _host.CreateCall(Body(scenario: scenario));
        Assert.Equal((min, max, "high"), (call.Parties.A.Pusher.MinBitrate, call.Parties.A.Pusher.MaxBitrate, call.Parties.A.Pusher.AudioQuality));
        Assert.Equal((min, max), (call.Parties.B.Pusher.MinBitrate, call.Parties.B.Pusher.MaxBitrate));
    }

    [Fact]
    public async Task Get_ReturnsTheSameShape_AndUnknownIs404Problem()
    {
        var created = await _host.CreateCall(Body());
        var got = await _host.Http().GetFromJsonAsync<CallResponse>($"/v1/calls/{created.CallId}", ServiceHost.Json);
        Assert.Equal(created.Parties.A.PushUrl, got!.Parties.A.PushUrl);
        Assert.Equal(created.Parties.B.PlayFlvUrl, got.Parties.B.PlayFlvUrl);
        Assert.Equal("accepted", got.State);

        var missing = await _host.Http().GetAsync("/v1/calls/unknowncall");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType!.MediaType);
        Assert.Equal(404, (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Hangup_WithApiKey_EndsBySystem_AndDisconnectsBothStreams()
    {
        var created = await _host.CreateCall(Body());
        var response = await _host.Http().PostAsync($"/v1/calls/{created.CallId}/hangup", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var call = (await response.Content.ReadFromJsonAsync<CallResponse>(ServiceHost.Json))!;
        Assert.Equal(("ended", "hangup", "system", (int?)null), (call.State, call.EndReason, call.EndedBy, call.Code));
        Assert.NotNull(call.EndedAt);
        _ = _host.Relay.Received(1).DisconnectStreamAsync($"{created.CallId}-a", Arg.Any<string>(), Arg.Any<CancellationToken>());
        _ = _host.Relay.Received(1).DisconnectStreamAsync($"{created.CallId}-b", Arg.Any<string>(), Arg.Any<CancellationToken>());

        var again = await _host.Http().PostAsync($"/v1/calls/{created.CallId}/hangup", null);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode); // idempotent
        Assert.Equal(call.EndedAt, (await again.Content.ReadFromJsonAsync<CallResponse>(ServiceHost.Json))!.EndedAt);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key")]
    [InlineData("v1.eyJzdWIiOiJib2IiLCJleHAiOjk5OTk5OTk5OTl9.forged")]
    public async Task MissingOrInvalidCredentials_Are401Problems(string? bearer)
    {
        var response = await _host.Http(bearer).PostAsJsonAsync("/v1/calls", Body());
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.Http(bearer).GetAsync("/v1/calls/x")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.Http(bearer).PostAsync("/v1/calls/x/hangup", null)).StatusCode);
    }

    public static TheoryData<string, string> InvalidBodies => new()
    {
        { """{"callee":{"userId":"bob"},"scenario":"general"}""", "caller" },
        { """{"caller":{"userId":"alice"},"scenario":"general"}""", "callee" },
        { """{"caller":{},"callee":{"userId":"bob"}}""", "caller.userId" },
        { """{"caller":{"userId":"alice"},"callee":{"userId":""}}""", "callee.userId" },
        { """{"caller":{"userId":"alice"},"callee":{"userId":"alice"}}""", "callee.userId" },
        { """{"caller":{"userId":"alice"},"callee":{"userId":"bob"},"scenario":"party"}""", "scenario" },
        { "{\"caller\":{\"userId\":\"" + new string('a', 65) + "\"},\"callee\":{\"userId\":\"bob\"}}", "caller.userId" },
        { """{"caller":{"userId":"al ice"},"callee":{"userId":"bob"}}""", "caller.userId" },
        { """{"caller":{"userId":"alice"},"callee":{"userId":"bob/x"}}""", "callee.userId" },
        { """{"caller":{"userId":"alice"},"callee":{"userId":"bob"},"pusher":{"mode":"HD"}}""", "pusher.mode" },
        { """{"caller":{"userId":"alice"},"callee":{"userId":"bob"},"player":{"mode":"live"}}""", "player.mode" },
        { """{"caller":{"userId":"alice"},"callee":{"userId":"bob"},"ring":"yes"}""", "ring" },
        { """{"caller":{"userId":"alice"},"callee":"bob"}""", "callee" },
        { """{"caller":{"userId":"alice"},"callee":{"userId":"bob"},"ringTimeoutSeconds":2}""", "ringTimeoutSeconds" },
        { """{"caller":{"userId":"alice"},"callee":{"userId":"bob"},"mediaJoinTimeoutSeconds":121}""", "mediaJoinTimeoutSeconds" },
        { """{"caller":{"userId":"alice"},"callee":{"userId":"bob"},"publisherLostGraceSeconds":0}""", "publisherLostGraceSeconds" },
        { """{"caller":{"userId":"alice"},"callee":{"userId":"bob"},"maxDurationSeconds":59}""", "maxDurationSeconds" },
        { """{"caller":{"userId":"alice"},"callee":{"userId":"bob"}""", "body" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task InvalidBody_Is400Problem_WithFieldErrors(string body, string field)
    {
        var response = await _host.Http().PostAsync("/v1/calls", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), $"expected an error for '{field}', got {errors}");
        Assert.Equal(0, _host.Services.GetRequiredService<CallService.Calls.Live.LiveCalls>().LiveCount());
    }

    [Theory]
    [InlineData("null", "application/json", 400)]
    [InlineData("", "application/json", 400)]
    [InlineData("{}", "text/plain", 415)]
    public async Task UnusableBodies_AreProblems(string body, string contentType, int status)
    {
        var response = await _host.Http().PostAsync("/v1/calls", new StringContent(body, System.Text.Encoding.UTF8, contentType));
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task UnknownRoute_Is404Problem()
    {
        var response = await _host.Http().GetAsync("/v1/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task ExplicitRtcModes_AreAccepted()
    {
        var call = await _host.CreateCall(new { caller = new { userId = "alice" }, callee = new { userId = "bob" }, pusher = new { mode = "RTC" }, player = new { mode = "RTC" } });
        Assert.Equal("general", call.Scenario);
        Assert.Equal("RTC", call.Parties.A.Pusher.Mode);
    }
}

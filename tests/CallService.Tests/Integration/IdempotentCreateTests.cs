using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CallContracts.Calls;
using CallContracts.Records;
using CallService.Tests.Support;

namespace CallService.Tests.Integration;

/// <summary><c>Idempotency-Key</c> on <c>POST /v1/calls</c> through the real host.</summary>
public sealed class IdempotentCreateTests : IDisposable
{
    private readonly ServiceHost _host = new();

    public void Dispose() => _host.Dispose();

    private async Task<HttpResponseMessage> Post(object body, string? key, string? bearer = ServiceHost.ApiKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/calls") { Content = JsonContent.Create(body) };
        if (key is not null) request.Headers.Add("Idempotency-Key", key);
        return await _host.Http(bearer).SendAsync(request);
    }

    private static object Direct(string scenario = "general") =>
        new { caller = new { userId = "alice" }, callee = new { userId = "bob" }, scenario, ring = false };

    private async Task<int> RecordCount()
    {
        var page = await _host.Http().GetFromJsonAsync<RecordsPage>("/v1/records?userId=alice", ServiceHost.Json);
        return page!.Records.Count;
    }

    [Fact]
    public async Task SameKeySameBody_ReturnsTheOriginalCall_AndCreatesOneRecord()
    {
        var first = await Post(Direct(), "create-1");
        var second = await Post(Direct(), "create-1");
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        var a = await first.Content.ReadAsStringAsync();
        var b = await second.Content.ReadAsStringAsync();
        Assert.Equal(a, b);
        var call = JsonSerializer.Deserialize<CallResponse>(b, ServiceHost.Json)!;
        Assert.Equal("accepted", call.State); // not a second call ended busy
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.Equal(1, await RecordCount());
        Assert.Single((await _host.Http().GetFromJsonAsync<CallList>("/v1/calls?state=active", ServiceHost.Json))!.Calls);
    }

    [Fact]
    public async Task SameKeyDifferentBody_Is409ProblemDetails()
    {
        Assert.Equal(HttpStatusCode.Created, (await Post(Direct(), "create-2")).StatusCode);
        var conflict = await Post(Direct("telemedicine"), "create-2");
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal("application/problem+json", conflict.Content.Headers.ContentType!.MediaType);
        var problem = await conflict.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("idempotency_key_reused", problem.GetProperty("rule").GetString());
        Assert.Equal(1, await RecordCount());
    }

    [Fact]
    public async Task WithoutKey_ARetryCreatesASecondCall_ThatEndsBusy()
    {
        await Post(Direct(), null);
        var retry = await (await Post(Direct(), null)).Content.ReadFromJsonAsync<CallResponse>(ServiceHost.Json);
        Assert.Equal("busy", retry!.EndReason);
        Assert.Equal(2, await RecordCount());
    }

    [Fact]
    public async Task Keys_AreScopedPerCaller_AndExpireAfter24h()
    {
        var alice = await _host.TokenFor("alice");
        var carol = await _host.TokenFor("carol");
        var ringBob = new { callee = new { userId = "bob" }, ring = true };
        var ringDave = new { callee = new { userId = "dave" }, ring = true };
        var a = await (await Post(ringBob, "k", alice)).Content.ReadFromJsonAsync<CallResponse>(ServiceHost.Json);
        var c = await (await Post(ringDave, "k", carol)).Content.ReadFromJsonAsync<CallResponse>(ServiceHost.Json);
        Assert.NotEqual(a!.CallId, c!.CallId); // same key, other user: its own call
        Assert.Equal(a.CallId, (await (await Post(ringBob, "k", alice)).Content.ReadFromJsonAsync<CallResponse>(ServiceHost.Json))!.CallId);

        await _host.Http().PostAsync($"/v1/calls/{a.CallId}/hangup", null);
        _host.Time.Advance(TimeSpan.FromHours(24));
        var later = await (await Post(ringBob, "k", alice)).Content.ReadFromJsonAsync<CallResponse>(ServiceHost.Json);
        Assert.NotEqual(a.CallId, later!.CallId);
    }

    [Fact]
    public async Task OverlongKey_Is400()
    {
        var response = await Post(Direct(), new string('x', 256));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("idempotencyKey", out _));
    }
}

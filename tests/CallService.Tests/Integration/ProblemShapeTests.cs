using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CallService.Tests.Support;

namespace CallService.Tests.Integration;

/// <summary>
/// Every error has one shape (docs/api.md "Errors"): <c>type</c>, <c>title</c>, <c>status</c>, <c>detail</c>, plus
/// <c>errors</c> for validation and <c>rule</c> for rule failures, over HTTP and in realtime error frames; bodies are
/// bounded by <c>Http:MaxRequestBodyBytes</c>.
/// </summary>
public sealed class ProblemShapeTests : IDisposable
{
    private readonly ServiceHost _host = new();

    public void Dispose() => _host.Dispose();

    /// <summary>Asserts the common members and returns the problem.</summary>
    internal static JsonElement AssertShape(JsonElement problem, int status)
    {
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        foreach (var member in new[] { "type", "title", "detail" })
            Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty(member).GetString()), $"'{member}' is missing: {problem}");
        return problem;
    }

    private static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        return AssertShape(await response.Content.ReadFromJsonAsync<JsonElement>(), (int)status);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Theory]
    [InlineData("/v1/calls", "")]
    [InlineData("/v1/calls", "null")]
    [InlineData("/v1/tokens", "")]
    [InlineData("/v1/tokens", "null")]
    public async Task MissingOrNullBody_IsAValidationProblem_WithABodyError(string path, string body)
    {
        var problem = await Problem(await _host.Http().PostAsync(path, Json(body)), HttpStatusCode.BadRequest);
        Assert.NotEmpty(problem.GetProperty("errors").GetProperty("body").EnumerateArray());
    }

    [Fact]
    public async Task StatusReport_WithoutBody_IsAValidationProblem_WithABodyError()
    {
        var call = await _host.CreateCall(new { caller = new { userId = "alice" }, callee = new { userId = "bob" }, ring = false });
        var alice = await _host.TokenFor("alice");
        var problem = await Problem(await _host.Http(alice).PostAsync($"/v1/calls/{call.CallId}/events", Json("null")), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("body", out _));
    }

    [Fact]
    public async Task BodyOverTheDefaultLimit_Is413Problem_EvenWithoutContentLength()
    {
        // A well-formed body (unknown members are ignored) just over 64 KiB: before the limit it was read and bound.
        var big = "{\"pad\":\"" + new string('x', 64 * 1024) + "\",\"callee\":{\"userId\":\"bob\"}}";
        var problem = await Problem(await _host.Http().PostAsync("/v1/calls", Json(big)), HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("65536", problem.GetProperty("detail").GetString());

        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big)));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/calls") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        await Problem(await _host.Http().SendAsync(request), HttpStatusCode.RequestEntityTooLarge);

        // Nothing was created; the service still answers.
        var list = await _host.Http().GetFromJsonAsync<JsonElement>("/v1/calls?state=active");
        Assert.Empty(list.GetProperty("calls").EnumerateArray());
    }

    [Fact]
    public async Task ConfiguredBodyLimit_AppliesToEveryApiEndpoint()
    {
        using var host = new ServiceHost(settings: new() { ["Http:MaxRequestBodyBytes"] = "1024" });
        var padded = "{\"userId\":\"bob\",\"pad\":\"" + new string('x', 2000) + "\"}";
        await Problem(await host.Http().PostAsync("/v1/tokens", Json(padded)), HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(HttpStatusCode.OK, (await host.Http().PostAsync("/v1/tokens", Json("{\"userId\":\"bob\"}"))).StatusCode);
    }

    [Theory]
    [InlineData("POST", "/v1/tokens")]
    [InlineData("GET", "/v1/records")]
    [InlineData("GET", "/v1/calls?state=active")]
    public async Task UserToken_OnAnApiKeyEndpoint_Is403_WithRule(string method, string path)
    {
        var token = await _host.TokenFor("alice");
        var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? Json("{\"userId\":\"alice\"}") : null };
        var problem = await Problem(await _host.Http(token).SendAsync(request), HttpStatusCode.Forbidden);
        Assert.Equal("api_key_required", problem.GetProperty("rule").GetString());
    }

    [Fact]
    public async Task ApiKey_OnTheRealtimeChannel_Is403_WithRule()
    {
        var problem = await Problem(await _host.Http().GetAsync("/v1/ws"), HttpStatusCode.Forbidden);
        Assert.Equal("user_token_required", problem.GetProperty("rule").GetString());
    }

    [Fact]
    public async Task BodyWithoutJsonContentType_Is415Problem_SayingWhatToSend()
    {
        var problem = await Problem(await _host.Http().PostAsync("/v1/calls", new StringContent("{}")), HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("application/json", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task WrongMethod_Is405Problem() =>
        await Problem(await _host.Http().PutAsync("/v1/calls", Json("{}")), HttpStatusCode.MethodNotAllowed);

    [Fact]
    public async Task UnknownRoute_Is404Problem_WithDetail() =>
        await Problem(await _host.Http().GetAsync("/v1/nothing-here"), HttpStatusCode.NotFound);

    [Fact]
    public async Task RealtimeErrorFrames_HaveTheSameShape_WithErrors()
    {
        await using var socket = await _host.Connect(await _host.TokenFor("alice"));

        await socket.Send(new { type = "status", callId = "not a call id!", component = "camera", code = 1 });
        var status = AssertShape((await socket.Next("error")).GetProperty("problem"), 400);
        var errors = status.GetProperty("errors");
        Assert.True(errors.TryGetProperty("callId", out _), status.ToString());
        Assert.True(errors.TryGetProperty("component", out _), status.ToString());

        await socket.Send(new { type = "dance" });
        Assert.True(AssertShape((await socket.Next("error")).GetProperty("problem"), 400).GetProperty("errors").TryGetProperty("type", out _));

        await socket.Send("not a frame"); // a JSON string, not an object
        Assert.True(AssertShape((await socket.Next("error")).GetProperty("problem"), 400).GetProperty("errors").TryGetProperty("frame", out _));
    }

    [Fact]
    public async Task RealtimeRuleFailure_CarriesRule()
    {
        var call = await _host.CreateCall(new { caller = new { userId = "alice" }, callee = new { userId = "bob" }, ring = false });
        await using var mallory = await _host.Connect(await _host.TokenFor("mallory"));
        await mallory.Send(new { type = "status", callId = call.CallId, component = "player", code = 2004 });
        var problem = AssertShape((await mallory.Next("error")).GetProperty("problem"), 403);
        Assert.Equal("not_a_party", problem.GetProperty("rule").GetString());
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CallService.Tests.Support;

namespace CallService.Tests.Auth;

/// <summary>
/// The bearer scheme through the real host: each refusal is a 401 problem with <c>WWW-Authenticate: Bearer</c> and its
/// reason, and a token that was accepted (its principal now reused) is refused once it expires.
/// </summary>
public sealed class BearerAuthenticationTests : IDisposable
{
    private readonly ServiceHost _host = new();

    public void Dispose() => _host.Dispose();

    [Theory]
    [InlineData(null, "An API key or user token is required (Authorization: Bearer ...).")]
    [InlineData("wrong-key", "invalid credentials")]
    [InlineData("v1.eyJzdWIiOiJib2IiLCJleHAiOjk5OTk5OTk5OTl9.forged", "invalid credentials")]
    public async Task Refusal_Is401_WithChallengeAndReason(string? bearer, string detail)
    {
        var response = await _host.Http(bearer).GetAsync("/v1/calls/c1");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(401, problem.GetProperty("status").GetInt32());
        Assert.Equal("Unauthorized", problem.GetProperty("title").GetString());
        Assert.Equal(detail, problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task AcceptedToken_IsRefused_OnceExpired()
    {
        var token = await _host.TokenFor("bob", ttlSeconds: 60);
        Assert.Equal(HttpStatusCode.NotFound, (await _host.Http(token).GetAsync("/v1/calls/nosuchcall")).StatusCode);
        _host.Time.Advance(TimeSpan.FromSeconds(60));
        var response = await _host.Http(token).GetAsync("/v1/calls/nosuchcall");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("token expired", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task UserToken_OnAnApiKeyEndpoint_Is403_AndTheApiKeyStillWorks()
    {
        var token = await _host.TokenFor("bob");
        var refused = await _host.Http(token).GetAsync("/v1/calls");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("api_key_required", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rule").GetString());
        Assert.Equal(HttpStatusCode.OK, (await _host.Http().GetAsync("/v1/calls")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _host.Http().GetAsync("/v1/calls")).StatusCode); // the key's shared principal again
    }
}

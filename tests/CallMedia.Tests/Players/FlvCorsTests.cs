using System.Net;
using CallMedia.Access;
using CallMedia.Tests.Loopback;

namespace CallMedia.Tests.Players;

/// <summary>
/// Browsers' HTTP-FLV players (mpegts.js, flv.js) fetch the stream from another origin: the preflight a page's fetch
/// triggers (Fetch Standard, CORS-preflight request) is answered, and every FLV response may be read by any origin.
/// </summary>
public sealed class FlvCorsTests
{
    [Fact]
    public async Task Preflight_IsAnsweredWithTheAllowedOriginMethodsAndHeaders()
    {
        await using var host = await RelayHost.StartAsync();
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Options, $"{host.HttpBase}/live/s1.flv?txSecret=p&txTime=q");
        request.Headers.Add("Origin", "https://player.example");
        request.Headers.Add("Access-Control-Request-Method", "GET");
        request.Headers.Add("Access-Control-Request-Headers", "range");
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("*", Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains("GET", Header(response, "Access-Control-Allow-Methods"));
        Assert.Equal("range", Header(response, "Access-Control-Allow-Headers"));
        Assert.Empty(host.Requests); // a preflight is not a play
    }

    [Theory]
    [InlineData(true, HttpStatusCode.OK)]
    [InlineData(false, HttpStatusCode.Forbidden)]
    public async Task Get_AnyOriginMayReadTheResponse(bool allowed, HttpStatusCode expected)
    {
        await using var host = await RelayHost.StartAsync();
        host.Policy = _ => allowed ? StreamAccessDecision.Allow : StreamAccessDecision.Deny("bad_signature");
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{host.HttpBase}/live/s1.flv?txSecret=p&txTime=q");
        request.Headers.Add("Origin", "https://player.example");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("*", Header(response, "Access-Control-Allow-Origin"));
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : "";
}

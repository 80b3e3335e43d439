using System.Net;
using System.Net.Http.Headers;
using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests.WebRtc;

/// <summary>
/// WebRTC settings that need their own CallService process: a server without the engine (one line at start, no
/// <c>webrtc</c> in views, WHIP 503, RTMP unaffected) and configured ICE servers (RFC 9725 §4.6 <c>Link</c> headers).
/// </summary>
public sealed class WebRtcSettingsTests
{
    [Fact]
    public async Task IceServers_AreAnnouncedAsLinkHeaders_OnOptions()
    {
        await using var service = await ServiceProcess.StartAsync(settings: new Dictionary<string, string>
        {
            ["WebRtc:IceServers:0:Urls:0"] = "stun:stun.example.net:3478",
            ["WebRtc:IceServers:1:Urls:0"] = "turn:turn.example.net:3478?transport=udp",
            ["WebRtc:IceServers:1:Username"] = "browser",
            ["WebRtc:IceServers:1:Credential"] = "se\"cret",
        });
        var call = await service.CreateDirectCallAsync("ice-a", "ice-b");
        var token = await service.IssueTokenAsync("ice-b");
        using var request = new HttpRequestMessage(HttpMethod.Options, call["parties"]!["b"]!["webrtc"]!["whipUrl"]!.GetValue<string>());
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await service.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(
            [
                "<stun:stun.example.net:3478>; rel=\"ice-server\"",
                "<turn:turn.example.net:3478?transport=udp>; rel=\"ice-server\"; username=\"browser\"; credential=\"se\\\"cret\"; credential-type=\"password\"",
            ],
            response.Headers.GetValues("Link").ToArray());
    }

    [Fact]
    public async Task EngineMissing_SaysSoInOneLine_RefusesWhipWith503_AndRtmpPartiesStillConnect()
    {
        await using var service = await ServiceProcess.StartAsync(settings: new Dictionary<string, string>
        {
            ["WebRtc:Python"] = "/nonexistent/python3",
        });
        for (var i = 0; i < 100 && !service.Output.Contains("WebRTC unavailable", StringComparison.Ordinal); i++)
            await Task.Delay(100);
        var lines = service.Output.Split('\n').Where(l => l.Contains("WebRTC", StringComparison.Ordinal)).ToList();
        Assert.Single(lines);
        Assert.Contains("/nonexistent/python3 not found", lines[0], StringComparison.Ordinal);

        var call = await service.CreateDirectCallAsync("nowrtc-a", "nowrtc-b");
        var callId = call["callId"]!.GetValue<string>();
        Assert.Null(call["parties"]!["b"]!["webrtc"]);
        var token = await service.IssueTokenAsync("nowrtc-b");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/calls/{callId}/webrtc/whip")
        {
            Content = new StringContent("v=0\r\n", null, "application/sdp"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var whip = await service.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, whip.StatusCode);
        Assert.Equal("application/problem+json", whip.Content.Headers.ContentType?.MediaType);

        // The RTMP side: both parties publish and play → connected.
        using var publishA = Ffmpeg.Publish(call.Url("a", "pushUrl"), 30);
        using var publishB = Ffmpeg.Publish(call.Url("b", "pushUrl"), 30);
        using var playA = Ffmpeg.Play(call.Url("a", "playUrl"), 30);
        using var playB = Ffmpeg.Play(call.Url("b", "playUrl"), 30);
        var state = "";
        for (var i = 0; i < 100 && state != "connected"; i++)
        {
            await Task.Delay(200);
            state = System.Text.Json.Nodes.JsonNode.Parse(await service.Http.GetStringAsync($"/v1/calls/{callId}"))!["state"]!.GetValue<string>();
        }
        Assert.Equal("connected", state);
    }
}

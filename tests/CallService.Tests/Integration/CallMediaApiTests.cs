using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CallContracts.Calls;
using CallService.Tests.Support;

namespace CallService.Tests.Integration;

/// <summary><c>GET /v1/calls/{id}/media</c>: access and shape without media (fake time).</summary>
public sealed class CallMediaApiTests : IDisposable
{
    private readonly ServiceHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task UnknownCall_Is404ProblemDetails()
    {
        var response = await _host.Http().GetAsync("/v1/calls/doesnotexist/media");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task UserToken_Is403_EvenForAParty()
    {
        var call = await _host.CreateCall(new { caller = new { userId = "alice" }, callee = new { userId = "bob" }, ring = false });
        var response = await _host.Http(await _host.TokenFor("alice")).GetAsync($"/v1/calls/{call.CallId}/media");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.Http(null).GetAsync($"/v1/calls/{call.CallId}/media")).StatusCode);
    }

    [Fact]
    public async Task CallWithoutMedia_HasBothStreams_NotLive()
    {
        var call = await _host.CreateCall(new { caller = new { userId = "alice" }, callee = new { userId = "bob" }, ring = false });
        var json = await _host.Http().GetFromJsonAsync<JsonElement>($"/v1/calls/{call.CallId}/media");
        Assert.Equal(call.CallId, json.GetProperty("callId").GetString());
        Assert.Equal("accepted", json.GetProperty("state").GetString());
        foreach (var role in new[] { "a", "b" })
        {
            var s = json.GetProperty("streams").GetProperty(role);
            Assert.Equal($"{call.CallId}-{role}", s.GetProperty("streamName").GetString());
            Assert.False(s.GetProperty("live").GetBoolean());
            Assert.Equal(JsonValueKind.Null, s.GetProperty("video").ValueKind);
            Assert.Equal(JsonValueKind.Null, s.GetProperty("audio").ValueKind);
            Assert.Equal(0, s.GetProperty("viewerCount").GetInt32());
            Assert.Equal(0, s.GetProperty("viewers").GetArrayLength());
        }
    }
}

/// <summary><c>GET /v1/calls/{id}/media</c> and call quality with two real ffmpeg publishers and players.</summary>
public sealed class CallMediaFlowTests : IAsyncLifetime
{
    private ServiceHost _host = null!;

    public Task InitializeAsync()
    {
        if (new MediaFactAttribute().Skip is null)
            _host = new ServiceHost(realMedia: true, settings: new() { ["Media:StatsIntervalMs"] = "1000" });
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _host?.Dispose();
        return Task.CompletedTask;
    }

    [MediaFact]
    public async Task Media_ReportsCodecInfoBitratesAndViewers_ForBothStreams_AndFeedsQuality()
    {
        var call = await _host.CreateCall(new { caller = new { userId = "alice" }, callee = new { userId = "bob" }, ring = false });
        using var pushA = Ffmpeg.Publish(call.Parties.A.PushUrl!, seconds: 30);
        using var pushB = Ffmpeg.Publish(call.Parties.B.PushUrl!, seconds: 30);
        using var playA = Ffmpeg.Play(call.Parties.A.PlayUrl!);     // A watches B over RTMP
        using var playB = Ffmpeg.Play(call.Parties.B.PlayFlvUrl!);  // B watches A over HTTP-FLV

        CallMediaResponse? media = null;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            media = await _host.Http().GetFromJsonAsync<CallMediaResponse>($"/v1/calls/{call.CallId}/media", ServiceHost.Json);
            if (Ready(media!.Streams.A) && Ready(media.Streams.B)) break;
            await Task.Delay(500);
        }
        Assert.False(pushA.HasExited, pushA.StandardError);
        Assert.Equal("connected", media!.State);
        foreach (var (s, transport) in new[] { (media.Streams.A, "flv"), (media.Streams.B, "rtmp") })
        {
            Assert.True(s.Live);
            Assert.StartsWith("127.0.0.1:", s.PublisherAddress);
            var v = s.Video!;
            Assert.Equal(("avc", 320, 240), (v.Codec, v.Width, v.Height));
            Assert.True(v.Profile > 0 && v.ProfileName is not null, $"profile {v.Profile}");
            Assert.Equal("1.3", v.Level);            // x264's automatic level for 320x240 at 25 fps (7,500 macroblocks/s)
            Assert.InRange(v.Fps, 20, 30);          // testsrc at 25 fps (Ffmpeg.PublishArguments)
            Assert.InRange(v.KeyFrameIntervalMs, 500, 1500); // -g 25 at 25 fps = 1 s
            Assert.True(v.Kbps > 0);
            var a = s.Audio!;
            Assert.Equal(("aac", 44100, 1), (a.Codec, a.SampleRate, a.Channels));
            Assert.True(a.Kbps > 0);
            Assert.Equal(1, s.ViewerCount);
            var viewer = Assert.Single(s.Viewers);
            Assert.Equal(transport, viewer.Transport);
            Assert.True(viewer.AudioSent > 0 && viewer.VideoSent > 0 && viewer.BytesSent > 0);
            Assert.Equal(0, viewer.AudioDropped);
        }

        // The relay's periodic reports (every second here) reach the call's quality.
        PartyQuality? qa = null, qb = null;
        deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var c = await _host.Http().GetFromJsonAsync<CallResponse>($"/v1/calls/{call.CallId}", ServiceHost.Json);
            (qa, qb) = (c!.Parties.A.Quality, c.Parties.B.Quality);
            if (qa.Media is { LastVideoKbps: > 0 } && qb.Media is { LastVideoKbps: > 0 }) break;
            await Task.Delay(500);
        }
        Assert.True(qa!.Media!.Samples > 0 && qa.Media.PeakVideoKbps > 0 && qa.Media.LastAudioKbps > 0);
        Assert.Equal((320, 240), (qb!.Media!.Width, qb.Media.Height));

        // ... and into the record written at the end.
        (await _host.Http().PostAsync($"/v1/calls/{call.CallId}/hangup", null)).EnsureSuccessStatusCode();
        var page = await _host.Http().GetFromJsonAsync<CallContracts.Records.RecordsPage>("/v1/records?userId=alice", ServiceHost.Json);
        var record = Assert.Single(page!.Records);
        Assert.True(record.Quality.A.Media!.PeakVideoKbps > 0);
        Assert.True(record.Quality.B.Media!.Samples > 0);
    }

    /// <summary>Rates are 5 s averages: wait until the window holds about 5 s of media (fps ramps up from 0).</summary>
    private static bool Ready(StreamMediaView s) =>
        s.Live && s.Video is { Width: > 0, Kbps: > 0, Fps: >= 12, KeyFrameIntervalMs: > 0 } && s.Audio is { Kbps: > 0, SampleRate: > 0 } && s.ViewerCount > 0 &&
        s.Viewers.All(v => v.VideoSent > 0);
}

using System.Text.Json;
using CallService.Tests.Support;

namespace CallService.Tests.Observability;

/// <summary>
/// The metrics follow a real call: ring, accept, ffmpeg publishers on both sides, one RTMP and one HTTP-FLV player,
/// hang-up; <c>/metrics</c> is read between the steps (the real relay and clock).
/// </summary>
public sealed class CallMetricsMediaTests : IAsyncLifetime
{
    private const string Active = "callservice_calls_active";
    private const string Ended = "callservice_calls_ended";
    private const string Setup = "callservice_calls_setup_duration";
    private const string Ring = "callservice_calls_ring_duration";
    private const string Publishers = "callservice_media_publishers";
    private const string Viewers = "callservice_media_viewers";
    private const string BytesIn = "callservice_media_bytes_in";
    private const string BytesOut = "callservice_media_bytes_out";
    private const string QueueDelay = "callservice_media_viewer_queue_delay";

    private ServiceHost _host = null!;

    public Task InitializeAsync()
    {
        if (new MediaFactAttribute().Skip is null) _host = new ServiceHost(realMedia: true);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _host?.Dispose();
        return Task.CompletedTask;
    }

    [MediaFact]
    public async Task MetricsMove_AsACallRings_Connects_CarriesMedia_AndEnds()
    {
        var metrics = _host.Http(bearer: null);
        var alice = await _host.TokenFor("alice");
        var bob = await _host.TokenFor("bob");
        await using var aliceWs = await _host.Connect(alice);
        await using var bobWs = await _host.Connect(bob);
        var start = await MetricsScrape.From(metrics);
        Assert.Equal(0, start.Value(Ended, ("reason", "hangup")));
        Assert.Equal(0, start.Count(Setup));

        // Ringing.
        var id = (await _host.CreateCall(new { callee = new { userId = "bob" }, ring = true }, alice)).CallId;
        await bobWs.Next("call.incoming");
        var ringing = await MetricsScrape.From(metrics);
        Assert.Equal((1, 0, 0), States(ringing));

        // Accepted: the ring time is recorded.
        (await _host.Http(bob).PostAsync($"/v1/calls/{id}/accept", null)).EnsureSuccessStatusCode();
        var a = (await aliceWs.Next("call.accepted")).GetProperty("data").GetProperty("view");
        var b = (await bobWs.Next("call.accepted")).GetProperty("data").GetProperty("view");
        var accepted = await MetricsScrape.From(metrics);
        Assert.Equal((0, 1, 0), States(accepted));
        Assert.Equal(1, accepted.Count(Ring, ("outcome", "accepted")));
        Assert.Equal(0, accepted.Count(Setup));

        // Both sides publish; A plays B over RTMP, B plays A over HTTP-FLV: connected.
        using var pushA = Ffmpeg.Publish(Url(a, "pushUrl"));
        using var pushB = Ffmpeg.Publish(Url(b, "pushUrl"));
        using var playA = Ffmpeg.Play(Url(a, "playUrl"));
        using var playB = Ffmpeg.Play(Url(b, "playFlvUrl"));
        await aliceWs.Next("call.connected", 20);
        var connected = await MetricsEndpointTests.Poll(metrics, s =>
            s.Value(Publishers) == 2 && s.Value(Viewers, ("protocol", "rtmp")) == 1 && s.Value(Viewers, ("protocol", "flv")) == 1 &&
            s.Count(QueueDelay) > 0);
        Assert.Equal((0, 0, 1), States(connected));
        Assert.Equal(1, connected.Count(Setup));
        var setupSeconds = connected.Value(Setup + "_sum");
        Assert.InRange(setupSeconds, 0.001, 30);
        Assert.True(connected.Value(BytesIn) > 0);
        Assert.True(connected.Value(BytesOut) > 0);

        // Media keeps flowing: bytes in and out grow between two scrapes.
        var later = await MetricsEndpointTests.Poll(metrics, s =>
            s.Value(BytesIn) > connected.Value(BytesIn) + 20_000 && s.Value(BytesOut) > connected.Value(BytesOut) + 20_000);
        Assert.Equal(2, later.Value(Publishers));

        // Hang-up: ended by reason +1, nothing active, the relay's publishers and viewers gone.
        (await _host.Http().PostAsync($"/v1/calls/{id}/hangup", null)).EnsureSuccessStatusCode();
        var data = (await aliceWs.Next("call.ended")).GetProperty("data");
        Assert.Equal("hangup", data.GetProperty("reason").GetString());
        var ended = await MetricsEndpointTests.Poll(metrics, s =>
            s.Value(Publishers) == 0 && s.Value(Viewers, ("protocol", "rtmp")) == 0 && s.Value(Viewers, ("protocol", "flv")) == 0);
        Assert.Equal((0, 0, 0), States(ended));
        Assert.Equal(1, ended.Value(Ended, ("reason", "hangup")));
        Assert.Equal(0, ended.Value(Ended, ("reason", "media_lost")));
        Assert.Equal(1, ended.Count(Setup));
        Assert.True(ended.Value(BytesIn) >= later.Value(BytesIn)); // counters keep what closed connections moved
        Assert.True(ended.Value(BytesOut) >= later.Value(BytesOut));
    }

    private static (double Ringing, double Accepted, double Connected) States(MetricsScrape s) =>
        (s.Value(Active, ("state", "ringing")), s.Value(Active, ("state", "accepted")), s.Value(Active, ("state", "connected")));

    private static string Url(JsonElement view, string name) => view.GetProperty(name).GetString()!;
}

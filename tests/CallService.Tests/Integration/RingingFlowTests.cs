using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CallContracts.Calls;
using CallMedia.Access;
using CallMedia.Events;
using CallService.Tests.Support;

namespace CallService.Tests.Integration;

/// <summary>Ringing flows with user tokens and real WebSocket clients.</summary>
public sealed class RingingFlowTests : IAsyncLifetime
{
    private readonly ServiceHost _host = new();
    private string _alice = "", _bob = "", _mallory = "";

    public async Task InitializeAsync()
    {
        _alice = await _host.TokenFor("alice");
        _bob = await _host.TokenFor("bob");
        _mallory = await _host.TokenFor("mallory");
    }

    public Task DisposeAsync()
    {
        _host.Dispose();
        return Task.CompletedTask;
    }

    private Task<CallResponse> Ring(string callee = "bob", object? extra = null) =>
        _host.CreateCall(extra ?? new { callee = new { userId = callee }, scenario = "general", ring = true }, _alice);

    private Task<HttpResponseMessage> Post(string token, string path, object? body = null) =>
        body is null ? _host.Http(token).PostAsync(path, null) : _host.Http(token).PostAsJsonAsync(path, body);

    private void Feed(MediaEvent e) => _host.MediaEvents.OnMediaEvent(e);

    [Fact]
    public async Task Ring_Accept_Connect_TerminalCode_EndsForBoth()
    {
        await using var aliceWs = await _host.Connect(_alice);
        await using var bobWs = await _host.Connect(_bob);

        var created = await Ring();
        Assert.Equal("ringing", created.State);
        Assert.NotNull(created.Parties.A.PushUrl);
        Assert.Null(created.Parties.B.PushUrl); // issued only on accept
        var id = created.CallId;

        var incoming = await bobWs.Next("call.incoming");
        Assert.Equal(id, incoming.GetProperty("callId").GetString());
        Assert.Equal("alice", incoming.GetProperty("data").GetProperty("caller").GetString());
        Assert.True(incoming.GetProperty("seq").GetInt64() > 0);

        var accepted = await Post(_bob, $"/v1/calls/{id}/accept");
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("accepted", (await accepted.Content.ReadFromJsonAsync<CallResponse>(ServiceHost.Json))!.State);

        var toAlice = (await aliceWs.Next("call.accepted")).GetProperty("data");
        var toBob = (await bobWs.Next("call.accepted")).GetProperty("data");
        Assert.Equal("a", toAlice.GetProperty("role").GetString());
        Assert.Equal("b", toBob.GetProperty("role").GetString());
        Assert.Contains($"/live/{id}-a?", toAlice.GetProperty("view").GetProperty("pushUrl").GetString());
        Assert.Contains($"/live/{id}-b?", toAlice.GetProperty("view").GetProperty("playUrl").GetString());
        Assert.Contains($"/live/{id}-b?", toBob.GetProperty("view").GetProperty("pushUrl").GetString());
        Assert.Contains($"/live/{id}-a.flv?", toBob.GetProperty("view").GetProperty("playFlvUrl").GetString());
        Assert.Equal("RTC", toBob.GetProperty("view").GetProperty("player").GetProperty("mode").GetString());

        var now = _host.Time.GetUtcNow();
        Feed(new PublishStarted($"{id}-a", now, 1, null));
        Feed(new PublishStarted($"{id}-b", now, 2, null));
        Feed(new PlayStarted($"{id}-a", now, 10, MediaTransport.Rtmp));
        Feed(new PlayStarted($"{id}-b", now, 11, MediaTransport.HttpFlv));
        await aliceWs.Next("call.connected");
        await bobWs.Next("call.connected");

        var report = await Post(_bob, $"/v1/calls/{id}/events", new { component = "player", code = -2301 });
        Assert.Equal(HttpStatusCode.Accepted, report.StatusCode);
        var result = await report.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("hangup", result.GetProperty("action").GetString());

        var ended = await aliceWs.Next("call.ended");
        var data = ended.GetProperty("data");
        Assert.Equal(("client_terminal_code", "b", -2301),
            (data.GetProperty("reason").GetString(), data.GetProperty("endedBy").GetString(), data.GetProperty("code").GetInt32()));
        await bobWs.Next("call.ended");

        var call = await _host.Http().GetFromJsonAsync<CallResponse>($"/v1/calls/{id}", ServiceHost.Json);
        Assert.Equal(("ended", "client_terminal_code", "b", (int?)-2301), (call!.State, call.EndReason, call.EndedBy, call.Code));
        Assert.NotNull(call.ConnectedAt);
    }

    [Fact]
    public async Task Reject_EndsRejected_CallerIsTold_RepeatIsHarmless()
    {
        await using var aliceWs = await _host.Connect(_alice);
        var id = (await Ring()).CallId;
        var first = await Post(_bob, $"/v1/calls/{id}/reject");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var call = (await first.Content.ReadFromJsonAsync<CallResponse>(ServiceHost.Json))!;
        Assert.Equal(("ended", "rejected", "b"), (call.State, call.EndReason, call.EndedBy));
        Assert.Equal("rejected", (await aliceWs.Next("call.ended")).GetProperty("data").GetProperty("reason").GetString());
        Assert.Equal(HttpStatusCode.OK, (await Post(_bob, $"/v1/calls/{id}/reject")).StatusCode);
    }

    [Fact]
    public async Task Cancel_EndsCancelled_CalleeIsTold_AcceptAfterwardsIs409()
    {
        await using var bobWs = await _host.Connect(_bob);
        var id = (await Ring()).CallId;
        var cancel = await Post(_alice, $"/v1/calls/{id}/cancel");
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("cancelled", (await cancel.Content.ReadFromJsonAsync<CallResponse>(ServiceHost.Json))!.EndReason);
        Assert.Equal("cancelled", (await bobWs.Next("call.ended")).GetProperty("data").GetProperty("reason").GetString());

        var accept = await Post(_bob, $"/v1/calls/{id}/accept");
        Assert.Equal(HttpStatusCode.Conflict, accept.StatusCode);
        Assert.Equal("application/problem+json", accept.Content.Headers.ContentType!.MediaType);
        Assert.Equal("call_ended", (await accept.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rule").GetString());
    }

    [Fact]
    public async Task Accept_Repeated_IsHarmless_RejectAfterAcceptIs409()
    {
        var id = (await Ring()).CallId;
        Assert.Equal(HttpStatusCode.OK, (await Post(_bob, $"/v1/calls/{id}/accept")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Post(_bob, $"/v1/calls/{id}/accept")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Post(_bob, $"/v1/calls/{id}/reject")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Post(_alice, $"/v1/calls/{id}/cancel")).StatusCode);
    }

    [Fact]
    public async Task PartyActions_Authorization_403And404()
    {
        var id = (await Ring()).CallId;
        foreach (var action in (string[])["accept", "reject", "cancel", "hangup", "heartbeat"])
            Assert.Equal(HttpStatusCode.Forbidden, (await Post(_mallory, $"/v1/calls/{id}/{action}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Post(_mallory, $"/v1/calls/{id}/events", new { component = "player", code = 2006 })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _host.Http(_mallory).GetAsync($"/v1/calls/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Post(_alice, $"/v1/calls/{id}/accept")).StatusCode); // the caller cannot accept
        Assert.Equal(HttpStatusCode.Forbidden, (await Post(ServiceHost.ApiKey, $"/v1/calls/{id}/accept")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Post(_bob, "/v1/calls/nosuchcall/accept")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _host.Http(_alice).GetAsync("/v1/calls?state=active")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _host.Http(_alice).GetAsync("/v1/records")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Post(_alice, "/v1/tokens", new { userId = "alice" })).StatusCode);
        Assert.Equal("ringing", (await _host.Http().GetFromJsonAsync<CallResponse>($"/v1/calls/{id}", ServiceHost.Json))!.State);
    }

    [Fact]
    public async Task Heartbeat_ByAParty_ReturnsTheCallUnchanged()
    {
        var id = (await Ring()).CallId;
        var response = await Post(_bob, $"/v1/calls/{id}/heartbeat");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var call = (await response.Content.ReadFromJsonAsync<CallResponse>(ServiceHost.Json))!;
        Assert.Equal(("ringing", id), (call.State, call.CallId));
        Assert.Null(call.Parties.B.PushUrl); // still not issued
    }

    [Fact]
    public async Task PartyView_HidesThePeersUrls()
    {
        var id = (await Ring()).CallId;
        await Post(_bob, $"/v1/calls/{id}/accept");
        var bobView = await _host.Http(_bob).GetFromJsonAsync<CallResponse>($"/v1/calls/{id}", ServiceHost.Json);
        Assert.NotNull(bobView!.Parties.B.PushUrl);
        Assert.Null(bobView.Parties.A.PushUrl);
        var serviceView = await _host.Http().GetFromJsonAsync<CallResponse>($"/v1/calls/{id}", ServiceHost.Json);
        Assert.NotNull(serviceView!.Parties.A.PushUrl);
    }

    [Fact]
    public async Task Hangup_ByParty_EndedByThatParty()
    {
        await using var aliceWs = await _host.Connect(_alice);
        var id = (await Ring()).CallId;
        await Post(_bob, $"/v1/calls/{id}/accept");
        var hangup = await Post(_bob, $"/v1/calls/{id}/hangup");
        Assert.Equal("b", (await hangup.Content.ReadFromJsonAsync<CallResponse>(ServiceHost.Json))!.EndedBy);
        var data = (await aliceWs.Next("call.ended")).GetProperty("data");
        Assert.Equal(("hangup", "b"), (data.GetProperty("reason").GetString(), data.GetProperty("endedBy").GetString()));
        Assert.Equal(JsonValueKind.Null, data.GetProperty("code").ValueKind);
    }

    [Fact]
    public async Task Busy_NewCallIsCreatedEnded_AndTheCallerIsTold()
    {
        var carol = await _host.TokenFor("carol");
        await using var carolWs = await _host.Connect(carol);
        await Ring();
        var busy = await _host.CreateCall(new { callee = new { userId = "bob" }, ring = true }, carol);
        Assert.Equal(("ended", "busy"), (busy.State, busy.EndReason));
        Assert.Equal("busy", (await carolWs.Next("call.ended")).GetProperty("data").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task UserToken_CannotCreateForSomeoneElse()
    {
        var response = await _host.Http(_alice).PostAsJsonAsync("/v1/calls", new { caller = new { userId = "carol" }, callee = new { userId = "bob" } });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task RingTimeout_EndsNoAnswer_OnFakeTime()
    {
        await using var aliceWs = await _host.Connect(_alice);
        await using var bobWs = await _host.Connect(_bob);
        var id = (await Ring(extra: new { callee = new { userId = "bob" }, ring = true, ringTimeoutSeconds = 10 })).CallId;
        await bobWs.Next("call.incoming");
        _host.Time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal("ringing", (await _host.Http().GetFromJsonAsync<CallResponse>($"/v1/calls/{id}", ServiceHost.Json))!.State);
        _host.Time.Advance(TimeSpan.FromSeconds(1));
        var data = (await aliceWs.Next("call.ended")).GetProperty("data");
        Assert.Equal(("no_answer", "system"), (data.GetProperty("reason").GetString(), data.GetProperty("endedBy").GetString()));
        await bobWs.Next("call.ended");
    }

    [Fact]
    public async Task PublisherLost_AfterGrace_PeerGetsMediaLost()
    {
        await using var bobWs = await _host.Connect(_bob);
        var id = (await Ring(extra: new { callee = new { userId = "bob" }, ring = true, publisherLostGraceSeconds = 3 })).CallId;
        await Post(_bob, $"/v1/calls/{id}/accept");
        var now = _host.Time.GetUtcNow();
        Feed(new PublishStarted($"{id}-a", now, 1, null));
        Feed(new PublishStarted($"{id}-b", now, 2, null));
        Feed(new PlayStarted($"{id}-a", now, 10, MediaTransport.Rtmp));
        Feed(new PlayStarted($"{id}-b", now, 11, MediaTransport.Rtmp));
        await bobWs.Next("call.connected");
        var timers = _host.Time.ActiveTimers;
        Feed(new PublishStopped($"{id}-a", now, 1, "closed"));
        await WaitUntil(() => _host.Time.ActiveTimers > timers); // the sink is asynchronous: wait for the grace timer
        _host.Time.Advance(TimeSpan.FromSeconds(3));
        var data = (await bobWs.Next("call.ended")).GetProperty("data");
        Assert.Equal(("media_lost", "a"), (data.GetProperty("reason").GetString(), data.GetProperty("endedBy").GetString()));
    }

    [Fact]
    public async Task Warnings_ReachThePeer_AndCountIntoQuality()
    {
        await using var bobWs = await _host.Connect(_bob);
        var id = (await Ring()).CallId;
        await Post(_bob, $"/v1/calls/{id}/accept");
        var r = await Post(_alice, $"/v1/calls/{id}/events", new { events = new object[] { new { component = "pusher", code = 1101 }, new { component = "pusher", code = 1101 } } });
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        var body = await r.Content.ReadFromJsonAsync<StatusReportResponse>(ServiceHost.Json);
        Assert.Equal(("none", 2), (body!.Action, body.Call.Parties.A.Quality.Warnings["1101"]));
        Assert.Equal(1101, (await bobWs.Next("call.peer_warning")).GetProperty("data").GetProperty("code").GetInt32());
    }

    [Theory]
    [InlineData("""{"component":"camera","code":1}""", "component")]
    [InlineData("""{"component":"player"}""", "code")]
    [InlineData("""{"component":"player","code":"x"}""", "code")]
    [InlineData("""{"events":[{"component":"player","code":2006},{"component":"nope","code":1}]}""", "events[1].component")]
    [InlineData("""{"events":[]}""", "events")]
    public async Task InvalidStatusReport_Is400(string body, string field)
    {
        var id = (await Ring()).CallId;
        var response = await _host.Http(_alice).PostAsync($"/v1/calls/{id}/events", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), $"expected '{field}' in {errors}");
    }

    [Fact]
    public async Task Resume_ReplaysMissedEvents()
    {
        long lastSeq;
        string id;
        await using (var bobWs = await _host.Connect(_bob))
        {
            id = (await Ring()).CallId;
            lastSeq = (await bobWs.Next("call.incoming")).GetProperty("seq").GetInt64();
        }
        await Post(_alice, $"/v1/calls/{id}/cancel"); // bob is offline
        await using var again = await _host.Connect(_bob);
        Assert.False(await again.Receives("call.ended", 0.3)); // not pushed to a new socket by itself
        await again.Send(new { type = "resume", afterSeq = lastSeq });
        var ended = await again.Next("call.ended");
        Assert.True(ended.GetProperty("seq").GetInt64() > lastSeq); // seq only grows per user (numbers may be skipped)
        Assert.Equal(id, ended.GetProperty("callId").GetString());

        await again.Send(new { type = "resume", afterSeq = 0 });
        Assert.Equal(lastSeq, (await again.Next("call.incoming")).GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task EverySocketOfAUser_GetsEveryEvent()
    {
        await using var tab1 = await _host.Connect(_bob);
        await using var tab2 = await _host.Connect(_bob);
        var id = (await Ring()).CallId;
        Assert.Equal(id, (await tab1.Next("call.incoming")).GetProperty("callId").GetString());
        Assert.Equal(id, (await tab2.Next("call.incoming")).GetProperty("callId").GetString());
    }

    [Fact]
    public async Task StatusFrame_WorksLikeTheEventsEndpoint()
    {
        await using var aliceWs = await _host.Connect(_alice);
        await using var bobWs = await _host.Connect(_bob);
        var id = (await Ring()).CallId;
        await Post(_bob, $"/v1/calls/{id}/accept");
        await bobWs.Send(new { type = "status", callId = id, component = "player", code = 2006 });
        var result = await bobWs.Next("status.result");
        Assert.Equal("hangup", result.GetProperty("action").GetString());
        var data = (await aliceWs.Next("call.ended")).GetProperty("data");
        Assert.Equal(("client_terminal_code", "b", 2006), (data.GetProperty("reason").GetString(), data.GetProperty("endedBy").GetString(), data.GetProperty("code").GetInt32()));

        await using var mallory = await _host.Connect(_mallory);
        await mallory.Send(new { type = "status", callId = id, component = "player", code = 2006 });
        Assert.Equal(403, (await mallory.Next("error")).GetProperty("problem").GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task WebSocket_WithoutValidToken_Is401_AndApiKeyIs403()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.Http(null).GetAsync("/v1/ws")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.Http(null).GetAsync("/v1/ws?token=bogus")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _host.Http(null).GetAsync($"/v1/ws?token={ServiceHost.ApiKey}")).StatusCode);
        await Assert.ThrowsAnyAsync<System.Net.WebSockets.WebSocketException>(() =>
            RealtimeClient.Connect(new Uri($"ws://{_host.BaseAddress.Authority}/v1/ws?token=bogus")));
    }

    [Fact]
    public async Task ExpiredToken_Is401()
    {
        var shortLived = await _host.TokenFor("dave", ttlSeconds: 60);
        _host.Time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.Http(shortLived).PostAsJsonAsync("/v1/calls", new { callee = new { userId = "bob" } })).StatusCode);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++) await Task.Delay(25);
        Assert.True(condition());
    }
}

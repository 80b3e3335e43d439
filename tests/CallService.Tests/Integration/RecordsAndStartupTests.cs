using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CallContracts.Calls;
using CallContracts.Records;
using CallService.Calls;
using CallService.Storage;
using CallService.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using NSubstitute;
using TestSupport.Storage;

namespace CallService.Tests.Integration;

public sealed class RecordsAndStartupTests
{
    private static object Direct(string caller, string callee) =>
        new { caller = new { userId = caller }, callee = new { userId = callee }, scenario = "general", ring = false };

    [Fact]
    public async Task Records_SurviveARestart_AndUnfinishedCallsEndServiceRestart()
    {
        var dir = ServiceHost.NewDataDirectory();
        string finished, unfinished;
        using (var first = new ServiceHost(dir))
        {
            finished = (await first.CreateCall(Direct("alice", "bob"))).CallId;
            var bob = await first.TokenFor("bob");
            var r = await first.Http(bob).PostAsJsonAsync($"/v1/calls/{finished}/events", new { component = "pusher", code = 1101 });
            Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
            await first.Http().PostAsync($"/v1/calls/{finished}/hangup", null);
            unfinished = (await first.CreateCall(Direct("carol", "dave"))).CallId;
        }
        Assert.Equal(!TestStorage.IsPostgres, File.Exists(Path.Combine(dir, "calls.db")));

        using var second = new ServiceHost(dir);
        var page = await second.Http().GetFromJsonAsync<RecordsPage>("/v1/records", ServiceHost.Json);
        var records = page!.Records.ToDictionary(r => r.CallId);
        Assert.Equal(2, records.Count);

        var done = records[finished];
        Assert.Equal(("ended", "hangup", "system"), (done.State, done.EndReason, done.EndedBy));
        Assert.Equal(1, done.Quality.B.Warnings["1101"]);
        Assert.Equal(["accepted", "ended"], done.Transitions.Select(t => t.State));
        Assert.NotNull(done.DurationSeconds);

        var restarted = records[unfinished];
        Assert.Equal(("ended", "service_restart", "system"), (restarted.State, restarted.EndReason, restarted.EndedBy));
        Assert.Equal(["accepted", "ended"], restarted.Transitions.Select(t => t.State));

        var viaGet = await second.Http().GetFromJsonAsync<CallResponse>($"/v1/calls/{unfinished}", ServiceHost.Json);
        Assert.Equal(("ended", "service_restart"), (viaGet!.State, viaGet.EndReason));
        Assert.Empty((await second.Http().GetFromJsonAsync<CallList>("/v1/calls?state=active", ServiceHost.Json))!.Calls);
        // carol and dave are free again
        Assert.Equal("accepted", (await second.CreateCall(Direct("carol", "dave"))).State);
    }

    [Fact]
    public async Task Records_PageNewestFirst_AndFilterByUser()
    {
        using var host = new ServiceHost();
        var ids = new List<string>();
        foreach (var (a, b) in new[] { ("u1", "u2"), ("u3", "u4"), ("u1", "u5") })
        {
            var id = (await host.CreateCall(Direct(a, b))).CallId;
            ids.Add(id);
            await host.Http().PostAsync($"/v1/calls/{id}/hangup", null);
            host.Time.Advance(TimeSpan.FromSeconds(1));
        }
        var page1 = await host.Http().GetFromJsonAsync<RecordsPage>("/v1/records?limit=2", ServiceHost.Json);
        Assert.Equal([ids[2], ids[1]], page1!.Records.Select(r => r.CallId));
        Assert.NotNull(page1.NextCursor);
        var page2 = await host.Http().GetFromJsonAsync<RecordsPage>($"/v1/records?limit=2&cursor={page1.NextCursor}", ServiceHost.Json);
        Assert.Equal([ids[0]], page2!.Records.Select(r => r.CallId));
        Assert.Null(page2.NextCursor);

        var u1 = await host.Http().GetFromJsonAsync<RecordsPage>("/v1/records?userId=u1", ServiceHost.Json);
        Assert.Equal([ids[2], ids[0]], u1!.Records.Select(r => r.CallId));

        var from = Uri.EscapeDataString(host.Time.GetUtcNow().AddSeconds(-1.5).ToString("O"));
        var recent = await host.Http().GetFromJsonAsync<RecordsPage>($"/v1/records?from={from}", ServiceHost.Json);
        Assert.Equal([ids[2]], recent!.Records.Select(r => r.CallId));
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=abc", "limit")]
    [InlineData("from=yesterday", "from")]
    [InlineData("cursor=%%%", "cursor")]
    [InlineData("userId=a%20b", "userId")]
    public async Task Records_InvalidQuery_Is400(string query, string field)
    {
        using var host = new ServiceHost();
        var response = await host.Http().GetAsync($"/v1/records?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task ListActive_ShowsOnlyNonEndedCalls()
    {
        using var host = new ServiceHost();
        var live = (await host.CreateCall(Direct("alice", "bob"))).CallId;
        var gone = (await host.CreateCall(Direct("carol", "dave"))).CallId;
        await host.Http().PostAsync($"/v1/calls/{gone}/hangup", null);
        var list = await host.Http().GetFromJsonAsync<CallList>("/v1/calls?state=active", ServiceHost.Json);
        Assert.Equal([live], list!.Calls.Select(c => c.CallId));
        Assert.Equal(HttpStatusCode.BadRequest, (await host.Http().GetAsync("/v1/calls?state=ended")).StatusCode);
    }

    [Fact]
    public async Task StorageFailure_Is503Problem_AndNothingIsCreated()
    {
        var store = Substitute.For<ICallStore>();
        store.EndUnfinished(Arg.Any<string>(), Arg.Any<DateTimeOffset>()).Returns([]);
        store.ReserveEventSeqs(Arg.Any<int>()).Returns(1);
        store.SaveAsync(Arg.Any<CallWrite>()).Returns(_ => ValueTask.FromException<bool>(new IOException("disk full")));
        using var host = new ServiceHost(services: s => s.AddSingleton(store));
        var response = await host.Http().PostAsJsonAsync("/v1/calls", Direct("alice", "bob"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(503, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetInt32());
        Assert.Empty((await host.Http().GetFromJsonAsync<CallList>("/v1/calls?state=active", ServiceHost.Json))!.Calls);
    }

    [Fact]
    public async Task Tokens_ValidateUserAndTtl()
    {
        using var host = new ServiceHost();
        Assert.Equal(HttpStatusCode.BadRequest, (await host.Http().PostAsJsonAsync("/v1/tokens", new { userId = "bob", ttlSeconds = 59 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await host.Http().PostAsJsonAsync("/v1/tokens", new { userId = "bob", ttlSeconds = 86401 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await host.Http().PostAsJsonAsync("/v1/tokens", new { userId = "" })).StatusCode);
        var ok = await host.Http().PostAsJsonAsync("/v1/tokens", new { userId = "bob", ttlSeconds = 120 });
        var token = await ok.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(host.Time.GetUtcNow().AddSeconds(120).ToUnixTimeSeconds(),
            DateTimeOffset.Parse(token.GetProperty("expiresAt").GetString()!).ToUnixTimeSeconds());
    }

    [SqliteOnlyFact("the keys are generated into the data directory; a PostgreSQL node must be given them")]
    public async Task WithoutConfiguredKeys_DevKeyAndSigningKeysArePersisted_AndReused()
    {
        var dir = ServiceHost.NewDataDirectory();
        string devKey, pushKey;
        using (var first = new ServiceHost(dir, withApiKey: false))
        {
            devKey = File.ReadAllText(Path.Combine(dir, "dev-api-key")).Trim();
            pushKey = File.ReadAllText(Path.Combine(dir, "push-key")).Trim();
            Assert.True(File.Exists(Path.Combine(dir, "play-key")));
            Assert.True(File.Exists(Path.Combine(dir, "token-signing-key")));
            Assert.Equal(HttpStatusCode.Created, (await first.Http(devKey).PostAsJsonAsync("/v1/calls", Direct("alice", "bob"))).StatusCode);
        }
        using var second = new ServiceHost(dir, withApiKey: false);
        Assert.Equal(devKey, File.ReadAllText(Path.Combine(dir, "dev-api-key")).Trim());
        Assert.Equal(pushKey, second.Services.GetRequiredService<CallService.Auth.ServiceSecrets>().PushKey);
        Assert.Equal(HttpStatusCode.Created, (await second.Http(devKey).PostAsJsonAsync("/v1/calls", Direct("carol", "dave"))).StatusCode);
    }

    [Fact]
    public void TimerDefaultsOutOfRange_StopTheStart()
    {
        var e = Assert.ThrowsAny<Exception>(() => new ServiceHost(settings: new() { ["Calls:RingTimeoutSeconds"] = "0" }));
        var messages = new List<string>();
        for (Exception? x = e; x is not null; x = x.InnerException) messages.Add(x.Message);
        Assert.Contains(messages, m => m.Contains("Calls:RingTimeoutSeconds must be 5-120."));
    }

    [Fact]
    public async Task ConfiguredKeys_Win_AndTheDevKeyIsNotAccepted()
    {
        using var host = new ServiceHost(settings: new() { ["Media:PushKey"] = "configured-push" });
        Assert.Equal("configured-push", host.Services.GetRequiredService<CallService.Auth.ServiceSecrets>().PushKey);
        Assert.False(File.Exists(Path.Combine(host.DataDirectory, "dev-api-key")));
        Assert.Equal(HttpStatusCode.Created, (await host.Http().PostAsJsonAsync("/v1/calls", Direct("alice", "bob"))).StatusCode);
    }
}

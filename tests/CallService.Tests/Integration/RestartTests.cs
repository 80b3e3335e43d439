using System.Net.Http.Json;
using CallContracts.Calls;
using CallService.Tests.Support;

namespace CallService.Tests.Integration;

/// <summary>A restart on the same data directory: calls left open end honestly, and the parties hear of it.</summary>
public sealed class RestartTests
{
    private static object Direct(string caller, string callee) =>
        new { caller = new { userId = caller }, callee = new { userId = callee }, scenario = "general", ring = false };

    [Fact]
    public async Task Restart_EndsOpenCalls_AtTheLastKnownAliveTime_AndTellsBothParties_WithSeqThatNeverGoesBack()
    {
        var dir = ServiceHost.NewDataDirectory();
        var clock = new ManualTimeProvider(CoordinatorRig.T0);
        string id;
        long lastSeq;
        using (var first = new ServiceHost(dir, time: clock))
        {
            await using var bob = await first.Connect(await first.TokenFor("bob"));
            id = (await first.CreateCall(Direct("alice", "bob"))).CallId;
            lastSeq = (await bob.Next("call.accepted")).GetProperty("seq").GetInt64();
            clock.Advance(TimeSpan.FromSeconds(5)); // the call runs; the node renews its lease every second
        }
        clock.Advance(TimeSpan.FromMinutes(10)); // the service is down

        using var second = new ServiceHost(dir, time: clock);
        var call = await second.Http().GetFromJsonAsync<CallResponse>($"/v1/calls/{id}", ServiceHost.Json);
        Assert.Equal(("ended", "service_restart", "system"), (call!.State, call.EndReason, call.EndedBy));
        Assert.Equal(CoordinatorRig.T0.AddSeconds(5), call.EndedAt); // not the restart time: the downtime is no call time

        // Bob's next socket is told, with a seq above every one it saw; another of his sockets can resume it.
        await using var bobAgain = await second.Connect(await second.TokenFor("bob"));
        var told = Assert.Single(bobAgain.Seen, f => f.GetProperty("type").GetString() == "call.ended");
        Assert.Equal(id, told.GetProperty("callId").GetString());
        Assert.Equal("service_restart", told.GetProperty("data").GetProperty("reason").GetString());
        var endedSeq = told.GetProperty("seq").GetInt64();
        Assert.True(endedSeq > lastSeq, $"seq went back: {endedSeq} after {lastSeq}");
        await using (var bobTab = await second.Connect(await second.TokenFor("bob")))
        {
            Assert.DoesNotContain(bobTab.Seen, f => f.GetProperty("type").GetString() == "call.ended"); // told once
            await bobTab.Send(new { type = "resume", afterSeq = lastSeq });
            Assert.Equal(endedSeq, (await bobTab.Next("call.ended")).GetProperty("seq").GetInt64());
        }

        // Alice, the other party, is told on her next socket as well.
        await using var alice = await second.Connect(await second.TokenFor("alice"));
        Assert.Equal(id, Assert.Single(alice.Seen, f => f.GetProperty("type").GetString() == "call.ended").GetProperty("callId").GetString());

        // New events keep counting upwards.
        await second.CreateCall(Direct("alice", "bob"));
        Assert.True((await bobAgain.Next("call.accepted")).GetProperty("seq").GetInt64() > endedSeq);
    }

    [Fact]
    public async Task IdempotencyKey_SurvivesARestart()
    {
        var dir = ServiceHost.NewDataDirectory();
        var clock = new ManualTimeProvider(CoordinatorRig.T0);
        var body = Direct("erin", "frank");
        string first;
        using (var before = new ServiceHost(dir, time: clock))
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/calls") { Content = JsonContent.Create(body) };
            request.Headers.Add("Idempotency-Key", "retry-1");
            var response = await before.Http().SendAsync(request);
            Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
            first = (await response.Content.ReadFromJsonAsync<CallResponse>(ServiceHost.Json))!.CallId;
        }

        using var after = new ServiceHost(dir, time: clock);
        var retry = new HttpRequestMessage(HttpMethod.Post, "/v1/calls") { Content = JsonContent.Create(body) };
        retry.Headers.Add("Idempotency-Key", "retry-1");
        var answer = await after.Http().SendAsync(retry);
        Assert.Equal(System.Net.HttpStatusCode.Created, answer.StatusCode);
        Assert.Equal(first, (await answer.Content.ReadFromJsonAsync<CallResponse>(ServiceHost.Json))!.CallId);
    }
}

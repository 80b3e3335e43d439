using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CallContracts.Calls;
using CallService.Cluster;
using CallService.Storage;
using CallService.Tests.Support;
using CallService.Tests.Support.Postgres;
using Microsoft.Extensions.DependencyInjection;

namespace CallService.Tests.Cluster;

/// <summary>
/// Drain (what <c>SIGTERM</c> starts; the test requests it in-process and stops the host as the signal would): the node
/// answers <c>/readyz</c> 503 <c>draining</c> while it keeps serving its calls, and after <c>Cluster:DrainSeconds</c>
/// ends the rest <c>service_restart</c>, telling both parties.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class NodeDrainTests(PostgresCluster cluster)
{
    private const int DrainSeconds = 5;

    [Fact]
    public async Task Sqlite_DrainingNode_IsNotReady_KeepsServingItsCalls_ThenEndsTheRestServiceRestart()
    {
        var dir = ServiceHost.NewDataDirectory();
        try
        {
            var node = new ServiceHost(dir, new() { ["Cluster:DrainSeconds"] = DrainSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            var (kept, hungUp) = await DrainAndCheck(node);

            using var restarted = new ServiceHost(dir);
            var record = await restarted.Http().GetFromJsonAsync<CallResponse>($"/v1/calls/{kept}", ServiceHost.Json);
            Assert.Equal(("ended", "service_restart", "system"), (record!.State, record.EndReason, record.EndedBy));
            Assert.Equal("hangup", (await restarted.Http().GetFromJsonAsync<CallResponse>($"/v1/calls/{hungUp}", ServiceHost.Json))!.EndReason);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task Postgres_DrainingNode_IsMarkedDrainingInTheRegistry_AndEndsTheRestServiceRestart()
    {
        var database = await cluster.CreateDatabaseAsync("drain_" + Guid.NewGuid().ToString("N")[..12]);
        var settings = NodeTakeoverTests.NodeSettings(database, "drain-1");
        settings["Cluster:DrainSeconds"] = DrainSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var node = new ServiceHost(settings: settings);
        var store = node.Services.GetRequiredService<ICallStore>();
        Assert.False(store.ClusterNodes().Single(n => n.NodeId == "drain-1").Draining);

        var (kept, _) = await DrainAndCheck(node, () =>
        {
            // Written right after the drain began (readiness flips first): poll, bounded.
            for (var i = 0; i < 100 && !store.ClusterNodes().Single(n => n.NodeId == "drain-1").Draining; i++) Thread.Sleep(50);
            Assert.True(store.ClusterNodes().Single(n => n.NodeId == "drain-1").Draining);
        });

        using var other = new ServiceHost(settings: NodeTakeoverTests.NodeSettings(database, "drain-2"));
        var record = other.Services.GetRequiredService<ICallStore>().Find(kept)!;
        Assert.Equal((CallService.Calls.CallState.Ended, CallService.Calls.EndReason.ServiceRestart), (record.State, record.EndReason));
    }

    [Fact]
    public async Task Sqlite_CallCreatedAfterTheDrainEndedItsCalls_EndsServiceRestartWhenTheServerHasStopped()
    {
        var dir = ServiceHost.NewDataDirectory();
        try
        {
            string late;
            using (var node = new ServiceHost(dir, new() { ["Cluster:DrainSeconds"] = "0" }))
            {
                var drain = node.Services.GetRequiredService<NodeDrain>();
                drain.Request();
                await drain.StoppingAsync(CancellationToken.None); // no calls: the drain is over at once

                // A create forwarded by a node whose registry still showed this one not draining is handled here.
                using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/calls")
                {
                    Content = JsonContent.Create(new { caller = new { userId = "erin" }, callee = new { userId = "fred" }, ring = false }),
                };
                request.Headers.Add(CallService.Cluster.Forwarding.NodeForwarder.ForwardedByHeader, "node-x");
                using var created = await node.Http().SendAsync(request);
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
                late = (await created.Content.ReadFromJsonAsync<CallResponse>(ServiceHost.Json))!.CallId;

                await drain.StoppedAsync(CancellationToken.None); // the server has stopped: what it handled last is done
                var store = node.Services.GetRequiredService<ICallStore>();
                Assert.Equal((CallService.Calls.CallState.Ended, CallService.Calls.EndReason.ServiceRestart),
                    (store.Find(late)!.State, store.Find(late)!.EndReason));
            }
            using var restarted = new ServiceHost(dir);
            var record = await restarted.Http().GetFromJsonAsync<CallResponse>($"/v1/calls/{late}", ServiceHost.Json);
            Assert.Equal(("ended", "service_restart", "system"), (record!.State, record.EndReason, record.EndedBy));
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// Two calls on <paramref name="node"/>; drain; during the drain: 503 <c>draining</c>, the calls answer, one is hung up;
    /// after the drain time the other ends <c>service_restart</c> (both parties told) and the host stops. Returns the
    /// ids of the call the drain ended and of the one hung up.
    /// </summary>
    private static async Task<(string Kept, string HungUp)> DrainAndCheck(ServiceHost node, Action? whileDraining = null)
    {
        var kept = await node.CreateCall(new { caller = new { userId = "alice" }, callee = new { userId = "bob" }, ring = false });
        var hungUp = await node.CreateCall(new { caller = new { userId = "carol" }, callee = new { userId = "dave" }, ring = false });
        await using var alice = await node.Connect(await node.TokenFor("alice"));
        await using var bob = await node.Connect(await node.TokenFor("bob"));
        var carol = await node.TokenFor("carol");
        var http = node.Http(bearer: null);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);

        node.Services.GetRequiredService<NodeDrain>().Request(); // what SIGTERM does
        var stopping = Task.Run(node.Dispose);                     // the stop the signal starts; it drains first

        HttpResponseMessage ready = null!;
        for (var i = 0; i < 100 && (ready = await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK; i++)
            await Task.Delay(50);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var problem = JsonNode.Parse(await ready.Content.ReadAsStringAsync())!;
        Assert.Equal("draining", problem["checks"]!["drain"]!.GetValue<string>());
        Assert.Contains("draining", problem["detail"]!.GetValue<string>());
        whileDraining?.Invoke();

        // The node still serves its calls: read one, hang up the other.
        var live = await node.Http().GetFromJsonAsync<CallResponse>($"/v1/calls/{kept.CallId}", ServiceHost.Json);
        Assert.Equal("accepted", live!.State);
        Assert.Equal(HttpStatusCode.OK, (await node.Http(carol).PostAsync($"/v1/calls/{hungUp.CallId}/hangup", null)).StatusCode);
        Assert.False(stopping.IsCompleted);
        Assert.False(await alice.Receives("call.ended", 0.3));

        node.Time.Advance(TimeSpan.FromSeconds(DrainSeconds + 1)); // the drain time is over
        foreach (var party in new[] { alice, bob })
        {
            var ended = await party.Next("call.ended", 10);
            Assert.Equal((kept.CallId, "service_restart", "system"), (ended.GetProperty("callId").GetString(),
                ended.GetProperty("data").GetProperty("reason").GetString(), ended.GetProperty("data").GetProperty("endedBy").GetString()));
        }
        await stopping.WaitAsync(TimeSpan.FromSeconds(60));
        return (kept.CallId, hungUp.CallId);
    }
}

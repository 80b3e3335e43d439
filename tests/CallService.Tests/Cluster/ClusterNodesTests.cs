using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CallService.Cluster;
using CallService.Storage;
using CallService.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using NSubstitute;

namespace CallService.Tests.Cluster;

/// <summary><c>GET /v1/cluster/nodes</c> with SQLite (the one node) and the <c>Cluster:InternalUrl</c> default.</summary>
public sealed class ClusterNodesTests
{
    [Fact]
    public async Task Sqlite_ListsTheOneNode_AsSelf_WithItsBoundAddress_AndItsCalls()
    {
        using var host = new ServiceHost();
        await host.CreateCall(new { caller = new { userId = "alice" }, callee = new { userId = "bob" } });

        var nodes = (await host.Http().GetFromJsonAsync<JsonElement>("/v1/cluster/nodes")).GetProperty("nodes");

        var node = Assert.Single(nodes.EnumerateArray());
        var id = host.Services.GetRequiredService<NodeIdentity>().Id;
        Assert.StartsWith($"{Dns.GetHostName()}:", id); // Cluster:NodeId default: host + HTTP port (port 0 here: the process id)
        Assert.Equal(id, node.GetProperty("nodeId").GetString());
        Assert.Equal(host.BaseAddress.ToString().TrimEnd('/'), node.GetProperty("internalUrl").GetString());
        Assert.StartsWith("rtmp://127.0.0.1:", node.GetProperty("publicRtmpBaseUrl").GetString());
        Assert.Equal(host.BaseAddress + "live", node.GetProperty("publicFlvBaseUrl").GetString());
        Assert.Equal(1, node.GetProperty("callsPlaced").GetInt32());
        Assert.Equal(host.Time.GetUtcNow().ToUnixTimeMilliseconds(),
            node.GetProperty("leaseRenewedAt").GetDateTimeOffset().ToUnixTimeMilliseconds());
        Assert.True(node.GetProperty("alive").GetBoolean());
        Assert.False(node.GetProperty("draining").GetBoolean());
        Assert.True(node.GetProperty("self").GetBoolean());
    }

    [Fact]
    public async Task NeedsTheApiKey()
    {
        using var host = new ServiceHost();
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Http(bearer: null).GetAsync("/v1/cluster/nodes")).StatusCode);
        var token = await host.TokenFor("alice");
        Assert.Equal(HttpStatusCode.Forbidden, (await host.Http(token).GetAsync("/v1/cluster/nodes")).StatusCode);
    }

    [Fact]
    public async Task ConfiguredInternalUrl_IsRegistered_WithoutATrailingSlash()
    {
        using var host = new ServiceHost(settings: new() { ["Cluster:InternalUrl"] = "http://10.1.2.3:9000/", ["Cluster:NodeId"] = "n-1" });
        var node = (await host.Http().GetFromJsonAsync<JsonElement>("/v1/cluster/nodes")).GetProperty("nodes")[0];
        Assert.Equal(("n-1", "http://10.1.2.3:9000"), (node.GetProperty("nodeId").GetString(), node.GetProperty("internalUrl").GetString()));
    }

    [Fact]
    public async Task RegistryUnreadable_ListIs503Problem()
    {
        using var host = new ServiceHost(services: s => s.AddSingleton(RegistryDown()));

        var response = await host.Http().GetAsync("/v1/cluster/nodes");

        await AssertStorageUnavailable(response);
    }

    [Fact]
    public async Task Draining_RegistryUnreadable_CreateIs503Problem_NotPlacedHere()
    {
        var store = RegistryDown();
        using var host = new ServiceHost(services: s => s.AddSingleton(store));
        host.Services.GetRequiredService<DrainState>().Begin();

        var response = await host.Http().PostAsJsonAsync("/v1/calls",
            new { caller = new { userId = "alice" }, callee = new { userId = "bob" }, ring = false });

        await AssertStorageUnavailable(response);
        store.DidNotReceive().Save(Arg.Any<CallService.Storage.CallWrite>());
    }

    /// <summary>A store that starts and answers everything but the node registry (its database connection fails there).</summary>
    private static ICallStore RegistryDown()
    {
        var store = Substitute.For<ICallStore>();
        store.EndUnfinished(Arg.Any<string>(), Arg.Any<DateTimeOffset>()).Returns([]);
        store.ReserveEventSeqs(Arg.Any<int>()).Returns(1);
        store.ClusterNodes().Returns(_ => throw new IOException("connection refused"));
        return store;
    }

    private static async Task AssertStorageUnavailable(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((503, "The node registry is unavailable."),
            (problem.GetProperty("status").GetInt32(), problem.GetProperty("detail").GetString()));
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CallService.Cluster;
using CallService.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

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
}

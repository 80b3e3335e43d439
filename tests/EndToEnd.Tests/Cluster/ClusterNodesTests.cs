using System.Net;
using System.Text.Json.Nodes;
using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests.Cluster;

/// <summary><c>GET /v1/cluster/nodes</c> on every node of a three-node cluster: the same registry, seen from each node.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterNodesTests(ClusterFixture cluster)
{
    [Fact]
    public async Task EveryNode_ListsTheThreeNodes_WithTheirUrls_LeasesAndSelf()
    {
        foreach (var answering in cluster.Shared.All)
        {
            var before = DateTimeOffset.UtcNow;
            var nodes = (await answering.GetJsonAsync("/v1/cluster/nodes"))["nodes"]!.AsArray();
            Assert.Equal(new[] { "node-1", "node-2", "node-3" }, nodes.Select(n => n!.Str("nodeId")).ToArray());
            foreach (var node in cluster.Shared.All)
            {
                var row = nodes.Single(n => n!.Str("nodeId") == node.NodeId)!;
                Assert.Equal(node.InternalUrl, row.Str("internalUrl"));
                Assert.Equal(node.RtmpBaseUrl, row.Str("publicRtmpBaseUrl"));
                Assert.Equal(node.FlvBaseUrl, row.Str("publicFlvBaseUrl"));
                Assert.True(row["alive"]!.GetValue<bool>(), $"{node.NodeId} alive, seen from {answering.NodeId}: {row.ToJsonString()}");
                Assert.False(row["draining"]!.GetValue<bool>());
                Assert.Equal(node == answering, row["self"]!.GetValue<bool>());
                var renewed = DateTimeOffset.Parse(row.Str("leaseRenewedAt"), System.Globalization.CultureInfo.InvariantCulture);
                Assert.InRange(renewed, before.AddSeconds(-ClusterFixture.SharedLeaseSeconds), DateTimeOffset.UtcNow.AddSeconds(1));
                Assert.True(row["callsPlaced"]!.GetValue<int>() >= 0);
            }
        }
    }

    [Fact]
    public async Task CallsPlaced_CountsTheNonEndedCallsOfTheNodeThatPlacedThem()
    {
        var before = await CallsPlacedAsync(cluster.Shared[0]);
        var (created, call) = await cluster.Shared[1].CreateCallAsync(
            ClusterApi.UniqueUser("jon"), ClusterApi.UniqueUser("kay"), ring: false);
        Assert.True(created == HttpStatusCode.Created, call.ToJsonString());

        var during = await CallsPlacedAsync(cluster.Shared[2]);
        Assert.Equal(before["node-1"], during["node-1"]);
        Assert.Equal(before["node-2"] + 1, during["node-2"]);
        Assert.Equal(before["node-3"], during["node-3"]);

        await cluster.Shared[0].Service.HangUpAsync(call.Str("callId"));
        Assert.Equal(before, await CallsPlacedAsync(cluster.Shared[1]));
    }

    [Fact]
    public async Task ClusterNodes_NeedsTheApiKey()
    {
        var node = cluster.Shared[0];
        using var anonymous = new HttpClient { BaseAddress = node.Http.BaseAddress };
        using var noKey = await anonymous.GetAsync("/v1/cluster/nodes");
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);

        var token = await node.Service.IssueTokenAsync(ClusterApi.UniqueUser("lou"));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/cluster/nodes");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var asUser = await anonymous.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, asUser.StatusCode);
        var problem = JsonNode.Parse(await asUser.Content.ReadAsStringAsync())!;
        Assert.Equal("api_key_required", problem.Str("rule"));
    }

    private static async Task<Dictionary<string, int>> CallsPlacedAsync(ClusterNode node) =>
        (await node.GetJsonAsync("/v1/cluster/nodes"))["nodes"]!.AsArray()
            .ToDictionary(n => n!.Str("nodeId"), n => n!["callsPlaced"]!.GetValue<int>());
}

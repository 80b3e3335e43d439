using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests.Cluster;

/// <summary>Plain JSON requests the cluster tests make with the API key.</summary>
internal static class ClusterApi
{
    /// <summary>
    /// A call rung on <paramref name="placingNode"/> while the caller's token and socket are on <paramref name="callerNode"/>
    /// and the callee's on <paramref name="calleeNode"/>, accepted on the callee's node (<see cref="AcceptedCall"/>): each
    /// event must reach the party's node within the contract's bound (<see cref="Bounds.EventDelivery"/>).
    /// </summary>
    public static Task<AcceptedCall> RingAndAcceptAsync(ClusterNode placingNode, ClusterNode callerNode, ClusterNode calleeNode,
        string caller, string callee, string? recording = null) =>
        AcceptedCall.RingAndAcceptAsync(placingNode.Service, callerNode.Service, calleeNode.Service, caller, callee,
            Bounds.EventDelivery, recording);

    /// <summary>A party's URLs name <paramref name="node"/>'s relay: RTMP push and play, HTTP-FLV play.</summary>
    public static void AssertPlacedOn(ClusterNode node, string callId, JsonObject view, string pushes, string plays) =>
        AcceptedCall.AssertPlacedOn(node.Service, callId, view, pushes, plays);

    /// <summary>Unique user ids per test run, so tests on the shared nodes never meet the busy rule by accident.</summary>
    public static string UniqueUser(string name) => $"{name}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary><c>POST /v1/calls</c> with the API key; the status and the body (asserted to be JSON).</summary>
    public static async Task<(HttpStatusCode Status, JsonObject Body)> CreateCallAsync(this ClusterNode node, string caller, string callee,
        bool ring)
    {
        using var response = await node.Http.PostAsJsonAsync("/v1/calls", new
        {
            caller = new { userId = caller },
            callee = new { userId = callee },
            scenario = "general",
            ring,
        });
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonNode.Parse(text)!.AsObject());
    }

    /// <summary><c>GET <paramref name="path"/></c> with the API key, asserted 200; the body.</summary>
    public static async Task<JsonNode> GetJsonAsync(this ClusterNode node, string path)
    {
        using var response = await node.Http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path} on {node}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>The string property <paramref name="name"/>, asserted present (the failure shows the whole object).</summary>
    public static string Str(this JsonNode node, string name) =>
        node[name]?.GetValue<string>() ?? throw new Xunit.Sdk.XunitException($"no string '{name}' in {node.ToJsonString()}");
}

using System.Diagnostics.Metrics;

namespace CallService.Cluster.Forwarding;

/// <summary>
/// Meter <c>CallService.Cluster</c>: counter <c>forwards</c> (exported <c>callservice_cluster_forwards</c>): requests
/// this node sent on to another node, by <c>kind</c> (<c>request</c> = an HTTP request about a call, <c>create</c> = a
/// <c>POST /v1/calls</c> on a draining node, <c>status_frame</c> = a realtime status frame) and <c>outcome</c>
/// (<c>answered</c> = the other node answered, whatever its status; <c>unavailable</c> = it did not).
/// </summary>
internal sealed class ForwardingMetrics
{
    public const string MeterName = "CallService.Cluster";
    public const string ForwardsName = "forwards";

    private readonly Counter<long> _forwards;

    public ForwardingMetrics(IMeterFactory meters) =>
        _forwards = meters.Create(MeterName).CreateCounter<long>(ForwardsName, unit: "{request}",
            description: "Requests forwarded to the node holding the call, by kind (request, create, status_frame) and outcome (answered, unavailable).");

    public void Count(string kind, bool answered) =>
        _forwards.Add(1, new KeyValuePair<string, object?>("kind", kind),
            new KeyValuePair<string, object?>("outcome", answered ? "answered" : "unavailable"));
}

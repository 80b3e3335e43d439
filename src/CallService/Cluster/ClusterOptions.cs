namespace CallService.Cluster;

/// <summary><c>Cluster:*</c> configuration: who this node is and how it tells the store it is alive.</summary>
internal sealed class ClusterOptions
{
    public const string SectionName = "Cluster";

    /// <summary>
    /// This node's id in the store (placement of its calls, its lease). Default: the host name and the HTTP port of the
    /// first listening URL, e.g. <c>node-a:8080</c> (<see cref="Storage.CallStoreRegistration.DefaultNodeId"/>).
    /// </summary>
    public string? NodeId { get; set; }

    /// <summary>
    /// How other nodes reach this node's HTTP API (forwarded requests), e.g. <c>http://10.0.0.7:8080</c>. Default: the
    /// first address the server listens on, a wildcard host read as <c>127.0.0.1</c> (<see cref="Cluster.InternalUrl"/>).
    /// </summary>
    public string? InternalUrl { get; set; }

    /// <summary>A node whose lease is older than this is considered gone.</summary>
    public int LeaseSeconds { get; set; } = 10;

    /// <summary>
    /// How often the lease is renewed (one small write per period, whatever the number of calls). It bounds how far a
    /// <c>service_restart</c> ending can lie before the real stop: the call's <c>endedAt</c> is the last renewal.
    /// </summary>
    public int RenewSeconds { get; set; } = 1;

    /// <summary>
    /// On <c>SIGTERM</c>, how long the node keeps serving its calls (draining: no new placements, <c>/readyz</c> 503)
    /// before it ends the rest <c>service_restart</c> and stops (0-86400, default 300).
    /// </summary>
    public int DrainSeconds { get; set; } = 300;
}

/// <summary>
/// This node's id (<see cref="ClusterOptions.NodeId"/>, defaulted at registration to host + port); <c>local</c> only when
/// built without the host's configuration (unit tests).
/// </summary>
internal sealed class NodeIdentity(Microsoft.Extensions.Options.IOptions<ClusterOptions> options)
{
    public string Id { get; } = options.Value.NodeId is { Length: > 0 } id ? id : "local";
}

using CallService.Media;
using Microsoft.Extensions.Options;

namespace CallService.Cluster;

/// <summary>
/// How other nodes reach this node's HTTP API: <c>Cluster:InternalUrl</c> when configured, otherwise the first address
/// the server listens on, a wildcard host (<c>0.0.0.0</c>, <c>[::]</c>, <c>+</c>, <c>*</c>) read as <c>127.0.0.1</c>
/// (<see cref="PublicMediaUrls.ServerBase"/>): a node listening everywhere is reachable on loopback from its own machine;
/// nodes on other machines need <c>Cluster:InternalUrl</c> set to the address they use.
/// </summary>
internal sealed class InternalUrl(IOptions<ClusterOptions> options, PublicMediaUrls urls)
{
    /// <summary>The URL without a trailing slash; null while the server has not bound (or binds nothing, an in-memory test server).</summary>
    public string? Resolve()
    {
        if (options.Value.InternalUrl is { Length: > 0 } configured && !string.IsNullOrWhiteSpace(configured))
            return configured.Trim().TrimEnd('/');
        var bound = urls.ServerBase(out var final);
        return final ? bound : null;
    }
}

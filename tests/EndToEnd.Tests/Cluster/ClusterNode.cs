using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests.Cluster;

/// <summary>
/// One CallService process of a cluster: <c>Storage:Provider=postgres</c> on a shared database, its own
/// <c>Cluster:NodeId</c>, data directory, HTTP and RTMP ports, and public media URLs naming those ports.
/// </summary>
internal sealed class ClusterNode(string nodeId, ServiceProcess service) : IAsyncDisposable
{
    /// <summary>The token signing key every node shares (tokens issued by one node are valid on all).</summary>
    public const string TokenSigningKey = "e2e-cluster-token-signing-key-0123456789abcdef";

    public string NodeId { get; } = nodeId;
    public ServiceProcess Service { get; } = service;
    public HttpClient Http => Service.Http;

    /// <summary>This node's <c>Media:PublicRtmpBaseUrl</c>.</summary>
    public string RtmpBaseUrl => Service.RtmpBaseUrl;

    /// <summary>This node's <c>Media:PublicFlvBaseUrl</c>.</summary>
    public string FlvBaseUrl => Service.FlvBaseUrl;

    /// <summary>How other nodes reach this one (the default <c>Cluster:InternalUrl</c>: the bound HTTP address).</summary>
    public string InternalUrl => $"http://127.0.0.1:{Service.HttpPort}";

    /// <summary>
    /// Starts a node on <paramref name="connectionString"/>; <paramref name="settings"/> add to or override the
    /// cluster settings (e.g. <c>Cluster:LeaseSeconds</c>, <c>Cluster:DrainSeconds</c>).
    /// </summary>
    public static async Task<ClusterNode> StartAsync(string connectionString, string nodeId, IDictionary<string, string>? settings = null)
    {
        var httpPort = FreePort.Next();
        var rtmpPort = FreePort.Next();
        var all = new Dictionary<string, string>
        {
            ["Storage:Provider"] = "postgres",
            ["Storage:Postgres:ConnectionString"] = connectionString,
            ["Auth:TokenSigningKey"] = TokenSigningKey,
            ["Cluster:NodeId"] = nodeId,
            ["Media:PublicRtmpBaseUrl"] = $"rtmp://127.0.0.1:{rtmpPort}/live",
            ["Media:PublicFlvBaseUrl"] = $"http://127.0.0.1:{httpPort}/live",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            all[key] = value;
        var service = await ServiceProcess.StartAsync(settings: all, httpPort: httpPort, rtmpPort: rtmpPort);
        return new ClusterNode(nodeId, service);
    }

    public override string ToString() => $"{NodeId} (http {Service.HttpPort}, rtmp {Service.RtmpPort})";

    public ValueTask DisposeAsync() => Service.DisposeAsync();
}

/// <summary>
/// Two or three nodes on one database of the throwaway PostgreSQL, started together (they migrate the schema
/// concurrently, as nodes of a rolling deployment do); stopped (killed) together on dispose.
/// </summary>
internal sealed class ClusterNodes : IAsyncDisposable
{
    private readonly List<ClusterNode> _nodes;

    private ClusterNodes(List<ClusterNode> nodes) => _nodes = nodes;

    public ClusterNode this[int index] => _nodes[index];
    public IReadOnlyList<ClusterNode> All => _nodes;

    /// <summary>Creates database <paramref name="database"/> and starts nodes <c>node-1</c> … <c>node-{count}</c> on it.</summary>
    public static async Task<ClusterNodes> StartAsync(CallService.Tests.Support.Postgres.PostgresCluster postgres, string database,
        int count, IDictionary<string, string>? settings = null)
    {
        var connectionString = await postgres.CreateDatabaseAsync(database);
        var starting = Enumerable.Range(1, count)
            .Select(i => ClusterNode.StartAsync(connectionString, $"node-{i}", settings))
            .ToList();
        try
        {
            return new ClusterNodes([.. await Task.WhenAll(starting)]);
        }
        catch
        {
            foreach (var node in starting.Where(t => t.IsCompletedSuccessfully))
                await node.Result.DisposeAsync();
            throw;
        }
    }

    /// <summary>Every node's output so far (for failure messages).</summary>
    public string Logs() => string.Join("\n", _nodes.Select(n => $"--- {n}:\n{n.Service.Output}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
            await node.DisposeAsync();
    }
}

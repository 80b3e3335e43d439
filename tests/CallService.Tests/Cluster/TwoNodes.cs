using System.Collections.Concurrent;
using CallService.Cluster.Forwarding;
using CallService.Tests.Support;
using CallService.Tests.Support.Postgres;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace CallService.Tests.Cluster;

/// <summary>
/// Two in-process CallService hosts (real Kestrel on loopback) sharing one fresh database of the throwaway PostgreSQL
/// cluster, with the keys every node must share; each counts the requests other nodes forwarded to it.
/// </summary>
internal sealed class TwoNodes : IDisposable
{
    private TwoNodes(ServiceHost node1, ServiceHost node2, ForwardedRequests seen1, ForwardedRequests seen2) =>
        (Node1, Node2, Seen1, Seen2) = (node1, node2, seen1, seen2);

    public ServiceHost Node1 { get; }
    public ServiceHost Node2 { get; }

    /// <summary>Requests node 1 received from another node (<c>CallService-Forwarded-By</c>).</summary>
    public ForwardedRequests Seen1 { get; }

    public ForwardedRequests Seen2 { get; }

    public static async Task<TwoNodes> Start(PostgresCluster cluster)
    {
        var connectionString = await cluster.CreateDatabaseAsync("routing_" + Guid.NewGuid().ToString("N")[..12]);
        var start = DateTimeOffset.UtcNow;
        var (seen1, seen2) = (new ForwardedRequests(), new ForwardedRequests());
        var node1 = new ServiceHost(settings: Settings(connectionString, "node-1"), services: seen1.Register, time: new ManualTimeProvider(start));
        var node2 = new ServiceHost(settings: Settings(connectionString, "node-2"), services: seen2.Register, time: new ManualTimeProvider(start));
        return new TwoNodes(node1, node2, seen1, seen2);
    }

    private static Dictionary<string, string?> Settings(string connectionString, string nodeId) =>
        PostgresNodeSettings.For(connectionString, nodeId, leaseSeconds: 5);

    public void Dispose()
    {
        Node2.Dispose();
        Node1.Dispose();
    }
}

/// <summary>Paths of the requests a host received with <c>CallService-Forwarded-By</c>, as "METHOD path by node".</summary>
internal sealed class ForwardedRequests : IStartupFilter
{
    private readonly ConcurrentQueue<string> _seen = new();

    public IReadOnlyList<string> All => [.. _seen];

    public void Register(IServiceCollection services) => services.AddSingleton<IStartupFilter>(this);

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, nextMiddleware) =>
        {
            if (context.Request.Headers.TryGetValue(NodeForwarder.ForwardedByHeader, out var by))
                _seen.Enqueue($"{context.Request.Method} {context.Request.Path} by {by}");
            await nextMiddleware(context);
        });
        next(app);
    };
}

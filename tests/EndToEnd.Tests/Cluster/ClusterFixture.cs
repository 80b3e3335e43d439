using CallService.Tests.Support.Postgres;

namespace EndToEnd.Tests.Cluster;

/// <summary>
/// One throwaway PostgreSQL for every cluster test, and three nodes on its database <c>shared</c> for the tests that
/// do not disturb each other (each uses its own users). Tests that kill or drain a node start their own nodes on
/// their own database with <see cref="StartNodesAsync"/>.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    /// <summary>The shared nodes' <c>Cluster:LeaseSeconds</c>.</summary>
    public const int SharedLeaseSeconds = 5;

    private readonly PostgresCluster _postgres = new();
    private ClusterNodes? _shared;

    internal ClusterNodes Shared => _shared ?? throw new InvalidOperationException("not started");

    /// <summary>The throwaway PostgreSQL server, for tests that start single nodes on a database of their own.</summary>
    internal PostgresCluster Postgres => _postgres;

    internal Task<ClusterNodes> StartNodesAsync(string database, int count, IDictionary<string, string>? settings = null) =>
        ClusterNodes.StartAsync(_postgres, database, count, settings);

    public async Task InitializeAsync()
    {
        await _postgres.InitializeAsync();
        _shared = await StartNodesAsync("shared", 3,
            new Dictionary<string, string> { ["Cluster:LeaseSeconds"] = SharedLeaseSeconds.ToString() });
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (_shared is not null)
                await _shared.DisposeAsync();
        }
        finally
        {
            await _postgres.DisposeAsync();
        }
    }
}

/// <summary>The cluster tests run one after another: they share the PostgreSQL server and the three nodes.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "CallService cluster";
}

/// <summary>The contract's time bounds, and the margin a loaded 2-core test machine gets on top of them.</summary>
internal static class Bounds
{
    /// <summary>Scheduling noise on a shared CI machine, added to every bound.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(2);

    /// <summary>A party's socket on any node receives its events within 1 s of the change.</summary>
    public static readonly TimeSpan EventDelivery = TimeSpan.FromSeconds(1) + Margin;

    /// <summary>An ending on any node disconnects the call's publishers and viewers on the placing node within 1 s.</summary>
    public static readonly TimeSpan Kick = TimeSpan.FromSeconds(1) + Margin;

    /// <summary>Media set-up (ffmpeg start, first frames, both streams played): not a contract bound.</summary>
    public static readonly TimeSpan MediaConnect = TimeSpan.FromSeconds(20);
}

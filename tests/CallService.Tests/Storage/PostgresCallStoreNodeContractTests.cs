using CallService.Cluster;
using CallService.Storage;
using CallService.Storage.Postgres;
using CallService.Tests.Support.Postgres;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CallService.Tests.Storage;

/// <summary>
/// The store contract on PostgreSQL: the throwaway cluster of the collection, one fresh database for this class (its
/// tests use unique ids, so they share it); two "nodes" are two store instances (two connection pools) on it.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresCallStoreNodeContractTests(PostgresCluster cluster) : CallStoreNodeContractTests
{
    private static readonly SemaphoreSlim DatabaseGate = new(1, 1);
    private static string? s_connectionString;

    private string ConnectionString => s_connectionString ?? throw new InvalidOperationException("no database yet");

    public override async Task InitializeAsync()
    {
        await DatabaseGate.WaitAsync();
        try
        {
            s_connectionString ??= await cluster.CreateDatabaseAsync("contract_" + Guid.NewGuid().ToString("N")[..12]);
        }
        finally
        {
            DatabaseGate.Release();
        }
    }

    internal override ICallStore CreateStore(string nodeId) => new PostgresCallStore(
        new PostgresStorageOptions(ConnectionString), new NodeIdentity(Options.Create(new ClusterOptions { NodeId = nodeId })));

    [Fact]
    public async Task Schema_IsCreatedOnce_WhenNodesStartTogether_AndRecordsItsVersion()
    {
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => OpenStore("node-" + i))));
        OpenStore("node-late");

        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var versions = new NpgsqlCommand("SELECT array_agg(version ORDER BY version) FROM schema_version", connection);
        Assert.Equal(Enumerable.Range(1, PostgresSchema.Version).ToArray(), (int[])(await versions.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Seq_ComesFromASequence_ThatNoRollbackMovesBack()
    {
        var first = OpenStore().ReserveEventSeqs(5);
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var tx = await connection.BeginTransactionAsync();
            await using var taken = new NpgsqlCommand("SELECT nextval('realtime_event_seq')", connection, tx);
            await taken.ExecuteScalarAsync();
            await tx.RollbackAsync();
        }
        Assert.True(OpenStore("node-b").ReserveEventSeqs(1) > first + 5);
    }

    [Fact]
    public void Unreachable_Database_StopsTheStartWithOneLine_NamingTheKey()
    {
        var closed = new NpgsqlConnectionStringBuilder(ConnectionString) { Port = 1, Timeout = 2 }.ConnectionString;
        using var store = new PostgresCallStore(new PostgresStorageOptions(closed), new NodeIdentity(Options.Create(new ClusterOptions())));

        var e = Assert.Throws<CallService.Hosting.StartupException>(store.Initialize);
        Assert.Contains("Storage:Postgres:ConnectionString", e.Message);
        Assert.DoesNotContain(new NpgsqlConnectionStringBuilder(ConnectionString).Password!, e.Message);
    }
}

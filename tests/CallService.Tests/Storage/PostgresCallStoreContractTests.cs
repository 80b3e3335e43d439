using CallService.Cluster;
using CallService.Storage;
using CallService.Tests.Support;
using CallService.Storage.Postgres;
using CallService.Tests.Support.Postgres;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CallService.Tests.Storage;

/// <summary>
/// The store contract on PostgreSQL: the collection's throwaway cluster, a fresh database per test (the contract
/// expects an empty one), dropped afterwards.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresCallStoreContractTests(PostgresCluster cluster) : CallStoreContractTests, IAsyncLifetime
{
    private readonly string _database = "contract_" + Guid.NewGuid().ToString("N")[..12];
    private string? _connectionString;

    public async Task InitializeAsync() => _connectionString = await cluster.CreateDatabaseAsync(_database);

    public Task DisposeAsync() => Task.CompletedTask;

    private protected override ICallStore CreateStore() => ReopenStore();

    private protected override ICallStore ReopenStore() => new PostgresCallStore(
        new PostgresStorageOptions(_connectionString ?? throw new InvalidOperationException("no database yet")),
        new NodeIdentity(Options.Create(new ClusterOptions())));

    private protected override IDisposable HoldOffWrites() => PostgresRefusal.Refuse(cluster.ConnectionString, _database);

    protected override void DropDatabase()
    {
        using var connection = new NpgsqlConnection(cluster.ConnectionString);
        connection.Open();
        using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", connection);
        drop.ExecuteNonQuery();
    }
}

using CallService.Cluster;
using CallService.Hosting;
using CallService.Storage;
using CallService.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using CallService.Tests.Support;

namespace CallService.Tests.Storage;

/// <summary>The store contract on SQLite: one file per test; two "nodes" are two store instances on that file.</summary>
public sealed class SqliteCallStoreNodeContractTests : CallStoreNodeContractTests
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "callservice-store-contract", Guid.NewGuid().ToString("N"));

    internal override ICallStore CreateStore(string nodeId) => new SqliteCallStore(
        TestDataDirectory.At(_dir),
        new NodeIdentity(Options.Create(new ClusterOptions { NodeId = nodeId })));

    /// <summary>The data directory's lock lets one process open the file: rows under another node id are its own earlier runs.</summary>
    [Fact]
    public void OneFilePerProcess_IsSingleProcess() => Assert.True(OpenStore().SingleProcess);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}

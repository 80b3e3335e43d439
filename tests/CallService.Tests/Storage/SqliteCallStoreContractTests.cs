using CallService.Cluster;
using CallService.Hosting;
using CallService.Storage;
using CallService.Tests.Support;
using CallService.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace CallService.Tests.Storage;

/// <summary>The store contract on SQLite (a file in a temp directory).</summary>
public sealed class SqliteCallStoreContractTests : CallStoreContractTests
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "callservice-store-tests", Guid.NewGuid().ToString("N"));

    private protected override ICallStore CreateStore() => ReopenStore();

    private protected override ICallStore ReopenStore() => new SqliteCallStore(
        TestDataDirectory.At(_dir),
        new NodeIdentity(Options.Create(new ClusterOptions())));

    /// <summary>Another connection holds SQLite's one write lock (<c>BEGIN IMMEDIATE</c>): the store's writes wait out its busy timeout and fail.</summary>
    private protected override IDisposable HoldOffWrites() => SqliteWriteLock.Hold(Path.Combine(_dir, "calls.db"));

    protected override void DropDatabase()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}

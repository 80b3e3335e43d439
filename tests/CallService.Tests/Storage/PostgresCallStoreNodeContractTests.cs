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
    public async Task Seq_ComesFromOneCounterRow_ThatARolledBackNumberingLeavesWhole()
    {
        var first = OpenStore().ReserveEventSeqs(5);
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var tx = await connection.BeginTransactionAsync();
            await using var taken = new NpgsqlCommand("UPDATE realtime_event_counter SET value = value + 100 WHERE id = 1", connection, tx);
            await taken.ExecuteNonQueryAsync();
            await tx.RollbackAsync();
        }
        var next = OpenStore("node-b").ReserveEventSeqs(1);
        Assert.Equal(first + 5, next); // no number handed out twice, none lost to the rollback

        // Events without a number are numbered at commit, above every number handed out, with the number in the frame.
        var store = (ISharedEventLog)OpenStore("node-c");
        var written = ((ICallStore)store).AppendEvents([
            new StoredEvent(0, "frank", "c1", "call.incoming", T0, "{\"seq\":0,\"type\":\"call.incoming\"}"u8.ToArray()),
            new StoredEvent(0, "grace", "c1", "call.incoming", T0, "{\"seq\":0}"u8.ToArray()),
        ]);
        Assert.Equal([next + 1, next + 2], written.Select(e => e.Seq));
        Assert.Equal($"{{\"seq\":{next + 1},\"type\":\"call.incoming\"}}", System.Text.Encoding.UTF8.GetString(written[0].Frame));
        Assert.Equal(next + 2, store.LastCommittedSeq());
        var read = store.Read(next, next + 2, 10);
        Assert.Equal([(next + 1, "frank", "node-c"), (next + 2, "grace", "node-c")], read.Select(r => (r.Event.Seq, r.Event.UserId, r.NodeId!)));
        Assert.Equal(written[0].Frame, read[0].Event.Frame);
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

    /// <summary>Every node writes the database: rows under another node id are that node's (its calls, its evidence files).</summary>
    [Fact]
    public void SharedByNodes_IsNotSingleProcess() => Assert.False(OpenStore().SingleProcess);

    /// <summary>
    /// A database with a language collation (ICU <c>en-US</c>, as a cluster initialised with a system locale has): the
    /// registry still comes in ordinal order of node id, as with SQLite (the schema's <c>node_id COLLATE "C"</c>; the
    /// test cluster itself runs with <c>--no-locale</c>, where every order is ordinal).
    /// </summary>
    [Fact]
    public async Task ClusterNodes_InOrdinalOrder_InADatabaseWithALanguageCollation()
    {
        var name = "icu_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = new NpgsqlConnection(cluster.ConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'", admin);
            await create.ExecuteNonQueryAsync();
        }
        using var store = new PostgresCallStore(new PostgresStorageOptions(cluster.ConnectionStringFor(name)),
            new NodeIdentity(Options.Create(new ClusterOptions { NodeId = "a-node" })));
        store.Initialize();
        foreach (var id in (string[])["b-node", "B-node", "a-node", "A-node"]) store.RenewLease(id, T0);

        Assert.Equal(["A-node", "B-node", "a-node", "b-node"], store.ClusterNodes().Select(n => n.NodeId));
    }
}

using CallContracts.Streams;
using CallService.Cluster;
using CallService.Evidence;
using CallService.Hosting;
using CallService.Storage;
using CallService.Storage.Postgres;
using CallService.Storage.Sqlite;
using CallService.Tests.Support;
using CallService.Tests.Support.Postgres;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CallService.Tests.Storage;

/// <summary>What every <see cref="IEvidenceStore"/> must do: one subclass per implementation runs these tests.</summary>
public abstract class EvidenceStoreContractTests : IDisposable
{
    private static readonly DateTimeOffset T0 = CoordinatorRig.T0;
    private readonly List<IEvidenceStore> _opened = [];

    private protected abstract IEvidenceStore OpenStore();

    protected abstract void DropDatabase();

    private IEvidenceStore Store()
    {
        var store = OpenStore();
        store.Initialize();
        _opened.Add(store);
        return store;
    }

    public void Dispose()
    {
        foreach (var store in _opened) (store as IDisposable)?.Dispose();
        DropDatabase();
        GC.SuppressFinalize(this);
    }

    private static CallEvidence Recorded(string callId, string node = "n1", DateTimeOffset? at = null)
    {
        var e = CallEvidence.Create(callId, RecordingMode.Consent, node);
        e.CallLive(at ?? T0);
        e.Consent(PartyRole.A, true, at ?? T0);
        e.Consent(PartyRole.B, true, (at ?? T0).AddSeconds(1));
        return e;
    }

    [Fact]
    public void Save_ThenFindFromAnotherStore_RoundTripsEverything()
    {
        var e = Recorded("c1");
        e.CallEnded(T0.AddSeconds(10));
        e.Processed(e.Unprocessed.Single(), [new EvidenceFile("r1", 0, EvidenceFile.Composite, null, "mp4", "c1/x.mp4", 1234, 9.5, "ff00", T0.AddSeconds(1))], false);
        e.AddSnapshot(new EvidenceSnapshot("s1", PartyRole.B, T0.AddSeconds(3), 640, 480, "aa", 99, "c1/s1.jpg", "user:alice"));
        Store().Save(e, T0.AddSeconds(11));

        var found = Store().Find("c1");
        Assert.NotNull(found);
        Assert.Equal(RecordingMode.Consent, found.Mode);
        Assert.Equal(RecordingState.Ready, found.State);
        Assert.Equal(e.Consents, found.Consents);
        var file = Assert.Single(found.Files);
        Assert.Equal(e.Files[0], file);
        Assert.Equal(e.Snapshots[0], Assert.Single(found.Snapshots));
        Assert.Equal(T0.AddSeconds(10), found.Segments.Single().StoppedAt);
        Assert.Null(Store().Find("nope"));
    }

    [Fact]
    public void Save_Twice_Replaces()
    {
        var store = Store();
        var e = Recorded("c1");
        store.Save(e, T0);
        e.Consent(PartyRole.B, false, T0.AddSeconds(5));
        store.Save(e, T0.AddSeconds(5));
        var found = store.Find("c1")!;
        Assert.Equal(RecordingState.WaitingConsent, found.State);
        Assert.Equal(3, found.Consents.Count);
    }

    [Fact]
    public void FindMany_ReturnsOnlyTheCallsWithEvidence()
    {
        var store = Store();
        store.Save(Recorded("c1"), T0);
        store.Save(Recorded("c2"), T0);
        var found = store.FindMany(["c1", "c2", "c3"]);
        Assert.Equal(["c1", "c2"], found.Keys.Order());
        Assert.Empty(store.FindMany([]));
    }

    [Fact]
    public void Unfinished_ListsRecordingProcessingAndWaitingConsentOfThatNodeOnly()
    {
        var store = Store();
        store.Save(Recorded("rec"), T0);
        var processing = Recorded("proc");
        processing.CallEnded(T0.AddSeconds(2));
        store.Save(processing, T0);
        var done = Recorded("done");
        done.CallEnded(T0.AddSeconds(2));
        done.Processed(done.Unprocessed.Single(), [], false);
        store.Save(done, T0);
        store.Save(Recorded("other", node: "n2"), T0);
        var withdrawn = Recorded("wait");
        withdrawn.Consent(PartyRole.B, false, T0.AddSeconds(3));
        store.Save(withdrawn, T0);
        var photographed = CallEvidence.Create("photo", RecordingMode.Off, "n1");
        photographed.AddSnapshot(new EvidenceSnapshot("s", PartyRole.A, T0, 1, 1, "00", 1, "photo/s.jpg", "service"));
        store.Save(photographed, T0);

        Assert.Equal(["proc", "rec", "wait"], store.Unfinished("n1").Select(e => e.CallId).Order());
    }

    [Fact]
    public void WithMediaBefore_ListsCallsHoldingOlderMedia_OldestFirst()
    {
        var store = Store();
        foreach (var (id, at) in new[] { ("new", T0.AddDays(10)), ("old", T0), ("older", T0.AddDays(-1)) })
        {
            var e = CallEvidence.Create(id, RecordingMode.Off, "n1");
            e.AddSnapshot(new EvidenceSnapshot("s-" + id, PartyRole.A, at, 1, 1, "00", 1, id + "/s.jpg", "service"));
            store.Save(e, at);
        }
        store.Save(Recorded("nomedia"), T0);
        Assert.Equal(["older", "old"], store.WithMediaBefore(T0.AddDays(1), 10).Select(e => e.CallId));
        Assert.Equal(["older"], store.WithMediaBefore(T0.AddDays(1), 1).Select(e => e.CallId));
    }
}

/// <summary>The evidence store contract on SQLite (<c>evidence.db</c> in a temp directory).</summary>
public sealed class SqliteEvidenceStoreContractTests : EvidenceStoreContractTests
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "callservice-evidence-tests", Guid.NewGuid().ToString("N"));

    private protected override IEvidenceStore OpenStore() => new SqliteEvidenceStore(
        TestDataDirectory.At(_dir));

    protected override void DropDatabase()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}

/// <summary>The evidence store contract on PostgreSQL: a fresh database per test on the collection's cluster.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresEvidenceStoreContractTests(PostgresCluster cluster) : EvidenceStoreContractTests, IAsyncLifetime
{
    private readonly string _database = "evidence_" + Guid.NewGuid().ToString("N")[..12];
    private string? _connectionString;

    public async Task InitializeAsync() => _connectionString = await cluster.CreateDatabaseAsync(_database);

    public Task DisposeAsync() => Task.CompletedTask;

    private protected override IEvidenceStore OpenStore() =>
        new PostgresEvidenceStore(new PostgresStorageOptions(_connectionString ?? throw new InvalidOperationException("no database yet")));

    protected override void DropDatabase()
    {
        NpgsqlConnection.ClearAllPools();
        using var connection = new NpgsqlConnection(cluster.ConnectionString);
        connection.Open();
        using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", connection);
        drop.ExecuteNonQuery();
    }
}

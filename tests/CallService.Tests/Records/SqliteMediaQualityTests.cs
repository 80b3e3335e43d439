using CallContracts.Calls;
using CallService.Calls;
using CallService.Hosting;
using CallService.Cluster;
using CallService.Storage;
using CallService.Storage.Sqlite;
using CallService.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace CallService.Tests.Records;

/// <summary>Call quality's <c>media</c> in SQLite, and databases written before it existed.</summary>
public sealed class SqliteMediaQualityTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "callservice-store-tests", Guid.NewGuid().ToString("N"));

    private SqliteCallStore NewStore() =>
        new(TestDataDirectory.At(_dir),
            new NodeIdentity(Options.Create(new ClusterOptions())));

    private static void Save(ICallStore store, CallSnapshot call) => store.Save(new CallWrite(call, [], [], CoordinatorRig.T0));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static CallSnapshot Snapshot(string id) => new(
        id, "general", false, "alice", "bob", CoordinatorRig.DefaultTimers, CallState.Ended,
        CoordinatorRig.T0, CoordinatorRig.T0, CoordinatorRig.T0.AddSeconds(2), CoordinatorRig.T0.AddSeconds(60),
        EndReason.Hangup, Ender.A, null, true, true, new Dictionary<int, int> { [1101] = 2 }, new Dictionary<int, int>(), []);

    [Fact]
    public void MediaQuality_RoundTrips()
    {
        using var store = NewStore();
        store.Initialize();
        var media = new PartyMediaQuality(12, 480, 700, 64, 66, 14.8, 320, 240, 1, 37, 2, 1);
        Save(store, Snapshot("c1") with { MediaA = media });
        Save(store, Snapshot("c2"));

        var c1 = store.Find("c1")!;
        Assert.Equal(media, c1.MediaA);
        Assert.Null(c1.MediaB);
        Assert.Null(store.Find("c2")!.MediaA);
        Assert.Equal(media, store.Query(new RecordQuery("alice", null, null, 10, null)).Single(s => s.CallId == "c1").MediaA);
    }

    [Fact]
    public void DatabaseWrittenBeforeMediaQuality_StaysReadable_AndGainsTheTable()
    {
        Directory.CreateDirectory(_dir);
        using (var old = new SqliteConnection($"Data Source={Path.Combine(_dir, "calls.db")};Pooling=False"))
        {
            old.Open();
            using var cmd = old.CreateCommand();
            cmd.CommandText = """
                CREATE TABLE calls (
                  call_id TEXT PRIMARY KEY, scenario TEXT NOT NULL, ring INTEGER NOT NULL,
                  caller TEXT NOT NULL, callee TEXT NOT NULL, timers TEXT NOT NULL, state TEXT NOT NULL,
                  created_at INTEGER NOT NULL, accepted_at INTEGER, connected_at INTEGER, ended_at INTEGER,
                  end_reason TEXT, ended_by TEXT, code INTEGER, a_issued INTEGER NOT NULL, b_issued INTEGER NOT NULL,
                  quality_a TEXT NOT NULL, quality_b TEXT NOT NULL);
                CREATE TABLE call_transitions (
                  call_id TEXT NOT NULL, seq INTEGER NOT NULL, state TEXT NOT NULL, at INTEGER NOT NULL, detail TEXT,
                  PRIMARY KEY (call_id, seq));
                INSERT INTO calls VALUES ('old1', 'general', 0, 'alice', 'bob',
                  '{"Ring":30,"MediaJoin":20,"PublisherLost":10,"MaxDuration":7200}', 'ended',
                  1772355600000, 1772355600000, NULL, 1772355660000, 'hangup', 'a', NULL, 1, 1, '{"1101":3}', '{}');
                INSERT INTO call_transitions VALUES ('old1', 1, 'accepted', 1772355600000, 'created direct');
                """;
            cmd.ExecuteNonQuery();
        }

        using var store = NewStore();
        store.Initialize();
        var old1 = store.Find("old1")!;
        Assert.Equal(3, old1.WarningsA[1101]);
        Assert.Null(old1.MediaA);
        Assert.Null(old1.MediaB);

        var media = new PartyMediaQuality(1, 300, 300, 48, 48, 15, 320, 240, 0, 0, 0, 0);
        Save(store, Snapshot("new1") with { MediaB = media });
        Assert.Equal(media, store.Find("new1")!.MediaB);
    }
}

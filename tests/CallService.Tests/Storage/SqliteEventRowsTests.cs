using System.Text;
using CallService.Calls;
using CallService.Cluster;
using CallService.Hosting;
using CallService.Storage;
using CallService.Storage.Sqlite;
using CallService.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace CallService.Tests.Storage;

/// <summary>
/// SQLite's event log rows (<see cref="SqliteEventRows"/>): a write's events go in two rows per statement and the last
/// odd one alone; whatever their number, every row is stored once, with its own number, user, type, time and frame.
/// </summary>
public sealed class SqliteEventRowsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "callservice-store-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void AWritesEvents_AreEachStoredOnce_WithTheirOwnColumns_InOrder(int count)
    {
        using var store = new SqliteCallStore(
            TestDataDirectory.At(_dir),
            new NodeIdentity(Options.Create(new ClusterOptions())));
        store.Initialize();
        var t0 = CoordinatorRig.T0;
        var events = Enumerable.Range(1, count).Select(i => new StoredEvent(
            100 + i, i % 2 == 1 ? "alice" : "bob", "c1", $"type.{i}", t0.AddMilliseconds(i), Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"))).ToList();
        var call = new CallSnapshot("c1", "general", true, "alice", "bob", CoordinatorRig.DefaultTimers, CallState.Ringing, t0, null, null,
            null, null, null, null, true, true, new Dictionary<int, int>(), new Dictionary<int, int>(), [new CallTransition(CallState.Ringing, t0, "created")]);

        Assert.True(store.Save(new CallWrite(call, call.Transitions, events, t0, ClaimParties: true)));

        var stored = store.EventsOf("alice", 0, long.MaxValue, t0).Concat(store.EventsOf("bob", 0, long.MaxValue, t0)).OrderBy(e => e.Seq).ToList();
        Assert.Equal(
            events.Select(e => (e.Seq, e.UserId, e.CallId, e.Type, e.At, Encoding.UTF8.GetString(e.Frame))),
            stored.Select(e => (e.Seq, e.UserId, e.CallId, e.Type, e.At, Encoding.UTF8.GetString(e.Frame))));
    }
}

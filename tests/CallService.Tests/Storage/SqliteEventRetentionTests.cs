using System.Text;
using CallService.Cluster;
using CallService.Hosting;
using CallService.Storage;
using CallService.Storage.Sqlite;
using CallService.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace CallService.Tests.Storage;

/// <summary>
/// The event log's clean-up on SQLite, which has no index on the events' time: after the wall clock is stepped back,
/// the events numbered before the step (stamped by the clock that ran ahead) are still deleted once they are older than
/// the retention, by their numbers, and the clean-up keeps deleting the events after the step as they age.
/// </summary>
public sealed class SqliteEventRetentionTests : IDisposable
{
    private static readonly DateTimeOffset T0 = CoordinatorRig.T0;
    private static readonly TimeSpan Retention = TimeSpan.FromMinutes(1);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "callservice-store-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void CleanUp_AfterTheClockIsSteppedBack_StillDeletesOldEvents_ByTheirNumbers()
    {
        using var store = OpenStore();
        // More events than one deletion slice (2,000), stamped by a wall clock an hour ahead; then the clock is stepped back.
        var now = T0.AddHours(1);
        var beforeStep = Write(store, 2500, now);
        now = T0;

        var minutes = new List<(long First, long Last)>();
        for (var minute = 0; minute < 4; minute++)
        {
            minutes.Add(Write(store, 10, now));
            now += TimeSpan.FromSeconds(30);
            store.DeleteEventsBefore(now - Retention); // the minutely clean-up (CallServiceHosting's sweep)
            now += TimeSpan.FromSeconds(30);
        }

        // Left: the events of the last minute, the only ones younger than the retention (by time or by number).
        var left = Seqs();
        Assert.Equal(Range(minutes[^1]), left);
        Assert.DoesNotContain(left, s => s <= beforeStep.Last);
    }

    [Fact]
    public void CleanUp_WithASteadyClock_DeletesByTime_AndKeepsEveryYoungerEvent()
    {
        using var store = OpenStore();
        var first = Write(store, 5, T0);
        var second = Write(store, 5, T0.AddSeconds(40));

        Assert.Equal(5, store.DeleteEventsBefore(T0.AddSeconds(20)));
        Assert.Equal(0, store.DeleteEventsBefore(T0.AddSeconds(30))); // the mark of the last clean-up (T0+40 s) is not old yet
        Assert.Equal(Range(second), Seqs());
        Assert.True(first.Last < second.First);
    }

    /// <summary>A SQLite store on this test's data directory, its schema in place.</summary>
    private SqliteCallStore OpenStore()
    {
        var store = new SqliteCallStore(
            TestDataDirectory.At(_dir),
            new NodeIdentity(Options.Create(new ClusterOptions())));
        store.Initialize();
        return store;
    }

    private static (long First, long Last) Write(SqliteCallStore store, int count, DateTimeOffset at)
    {
        var first = store.ReserveEventSeqs(count);
        var events = Enumerable.Range(0, count).Select(i => new StoredEvent(first + i, $"user-{i % 7}", $"call-{i}", "call.ended", at,
            Encoding.UTF8.GetBytes($"{{\"seq\":{first + i}}}"))).ToList();
        store.AppendEvents(events);
        return (first, first + count - 1);
    }

    private static List<long> Range((long First, long Last) r) => [.. Enumerable.Range(0, (int)(r.Last - r.First + 1)).Select(i => r.First + i)];

    private List<long> Seqs()
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_dir, "calls.db")};Pooling=False");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT seq FROM realtime_events ORDER BY seq";
        using var r = cmd.ExecuteReader();
        var seqs = new List<long>();
        while (r.Read()) seqs.Add(r.GetInt64(0));
        return seqs;
    }
}

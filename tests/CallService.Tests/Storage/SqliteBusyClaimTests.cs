using System.Text.RegularExpressions;
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
/// SQLite's busy claims (<c>busy_parties</c>): the claim and release statements run without a temporary b-tree (SQLite
/// opens one, with its own pager and page cache, for an <c>IN (…)</c> list and for an <c>INSERT … SELECT</c> that reads
/// the table it writes), and a claim that finds one party busy leaves no row of its own behind, whichever party it is.
/// </summary>
public sealed partial class SqliteBusyClaimTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "callservice-store-tests", Guid.NewGuid().ToString("N"));

    private string DbPath => Path.Combine(_dir, "calls.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Theory]
    [InlineData(SqliteCallMapping.ClaimSql)]
    [InlineData(SqliteCallMapping.ReleaseSql)]
    public void ClaimAndRelease_OpenNoTemporaryBTree(string sql)
    {
        using (var store = NewStore()) store.Initialize();
        using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();

        var opcodes = new List<string>();
        foreach (var statement in sql.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            using var explain = connection.CreateCommand();
            explain.CommandText = "EXPLAIN " + statement;
            foreach (var name in ParameterName().Matches(statement).Select(m => m.Value).Distinct())
                explain.Parameters.AddWithValue(name, DBNull.Value);
            using var r = explain.ExecuteReader();
            while (r.Read()) opcodes.Add(r.GetString(1));
        }

        Assert.Contains("OpenWrite", opcodes); // the plan was read
        Assert.DoesNotContain("OpenEphemeral", opcodes);
        Assert.DoesNotContain("OpenAutoindex", opcodes);
    }

    [Theory]
    [InlineData("carol", "bob")] // the callee is busy: carol's new row is taken back
    [InlineData("alice", "dave")] // the caller is busy: dave's new row is taken back
    [InlineData("bob", "alice")] // both are busy: no row of c2's went in, c1's stay
    public void AClaimWithOneBusyParty_Fails_AndLeavesOnlyTheOtherCallsClaims(string caller, string callee)
    {
        using var store = NewStore();
        store.Initialize();
        var t0 = CoordinatorRig.T0;
        Assert.True(store.Save(new CallWrite(Ringing("c1", "alice", "bob", t0), [], [], t0, ClaimParties: true)));

        Assert.False(store.Save(new CallWrite(Ringing("c2", caller, callee, t0), [], [], t0, ClaimParties: true)));

        Assert.Equal(["alice c1", "bob c1"], Claims());
        Assert.Null(store.Find("c2"));
        Assert.True(store.Save(new CallWrite(Ringing("c3", "carol", "dave", t0), [], [], t0, ClaimParties: true)));
        Assert.Equal(["alice c1", "bob c1", "carol c3", "dave c3"], Claims());
    }

    private SqliteCallStore NewStore() =>
        new(TestDataDirectory.At(_dir),
            new NodeIdentity(Options.Create(new ClusterOptions())));

    private static CallSnapshot Ringing(string id, string caller, string callee, DateTimeOffset t0) => new(
        id, "general", true, caller, callee, CoordinatorRig.DefaultTimers, CallState.Ringing, t0, null, null, null,
        null, null, null, true, true, new Dictionary<int, int>(), new Dictionary<int, int>(), [new CallTransition(CallState.Ringing, t0, "created")]);

    private List<string> Claims()
    {
        using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT user_id || ' ' || call_id FROM busy_parties ORDER BY user_id";
        using var r = cmd.ExecuteReader();
        var rows = new List<string>();
        while (r.Read()) rows.Add(r.GetString(0));
        return rows;
    }

    [GeneratedRegex(@"\$\w+")]
    private static partial Regex ParameterName();
}

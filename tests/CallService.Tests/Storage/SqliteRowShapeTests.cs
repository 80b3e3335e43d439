using CallContracts.Calls;
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
/// The row shape of SQLite's per-change tables: <c>call_transitions</c> and <c>busy_parties</c> are <c>WITHOUT ROWID</c>
/// in a new database (one b-tree per row), <c>busy_parties</c> has no index on its call id, a call's transitions are a
/// column of its row, the event log has no index on its time, and a database whose tables an older build created as
/// rowid tables (with those indexes and transitions as rows) keeps working with the same statements.
/// </summary>
public sealed class SqliteRowShapeTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "callservice-store-tests", Guid.NewGuid().ToString("N"));

    private string DbPath => Path.Combine(_dir, "calls.db");

    private SqliteCallStore NewStore() =>
        new(TestDataDirectory.At(_dir),
            new NodeIdentity(Options.Create(new ClusterOptions())));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void NewDatabase_KeepsTransitionsAndBusyClaims_InTheirKeysBTree()
    {
        using (var store = NewStore()) store.Initialize();

        Assert.Equal(["busy_parties", "call_transitions"], WithoutRowidTables());
        // No automatic index for the primary key: the table's own b-tree is ordered by it.
        Assert.Empty(Scalars("SELECT name FROM sqlite_master WHERE type='index' AND name LIKE 'sqlite_autoindex_call_transitions%' OR name LIKE 'sqlite_autoindex_busy_parties%'"));
        Assert.Empty(BusyClaimIndexes()); // claims are released by their users' keys: no index on call_id to write
    }

    [Fact]
    public void NewDatabase_ALifecycle_KeepsTheBusyRule_AndTheTransitionsInOrder() => ALifecycle_KeepsTheBusyRule_AndTheTransitionsInOrder();

    [Fact]
    public void NewDatabase_ALifecycle_WritesItsTransitionsIntoTheCallsRow_AndNoEventTimeIndex()
    {
        ALifecycle_KeepsTheBusyRule_AndTheTransitionsInOrder();

        Assert.Empty(Scalars("SELECT call_id FROM call_transitions")); // no b-tree of their own written per change
        Assert.Equal(["[[\"ringing\",1772355600000,\"created\"],[\"accepted\",1772355601000,\"accepted by b\"]," +
                      "[\"connected\",1772355602000,\"connected (client)\"],[\"ended\",1772355603000,\"hangup by a\"]]"],
            Scalars("SELECT transitions FROM calls WHERE call_id='c1'"));
        Assert.Empty(EventTimeIndexes());
        Assert.Equal(["calls_unended"], OpenCallIndexes());
    }

    [Fact]
    public void NewDatabase_OpenCalls_AreFoundThroughAnIndexThatOpenStatesLeaveAlone()
    {
        using var store = NewStore();
        store.Initialize();
        var t0 = CoordinatorRig.T0;
        var ringing = Snapshot("c1", CallState.Ringing, t0) with { Transitions = [new(CallState.Ringing, t0, "created")] };
        Assert.True(store.Save(new CallWrite(ringing, ringing.Transitions, [], t0, ClaimParties: true)));
        Assert.True(store.Save(new CallWrite(Snapshot("c1", CallState.Accepted, t0), [], [], t0.AddSeconds(1)) { Stored = true }));

        Assert.Equal([("c1", CallState.Accepted)], store.OpenCalls().Select(c => (c.Call.CallId, c.Call.State)));
        Assert.Equal(["CREATE INDEX calls_unended ON calls(node_id) WHERE ended_at IS NULL"],
            Scalars("SELECT sql FROM sqlite_master WHERE name='calls_unended'")); // no column an open write sets
        Assert.Contains(Scalars("EXPLAIN QUERY PLAN SELECT call_id FROM calls WHERE ended_at IS NULL AND state <> 'ended'", column: 3),
            step => step.Contains("calls_unended", StringComparison.Ordinal));
    }

    [Fact]
    public void DatabaseWithTransitionRows_FromAnOlderBuild_ReadsThemFirst_ThenAddsToTheRow_AndLosesTheEventTimeIndex()
    {
        var t0 = CoordinatorRig.T0;
        Directory.CreateDirectory(_dir);
        using (var old = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            old.Open();
            using var cmd = old.CreateCommand();
            cmd.CommandText = $$"""
                CREATE TABLE calls (
                  call_id TEXT PRIMARY KEY, scenario TEXT NOT NULL, ring INTEGER NOT NULL,
                  caller TEXT NOT NULL, callee TEXT NOT NULL, timers TEXT NOT NULL, state TEXT NOT NULL,
                  created_at INTEGER NOT NULL, accepted_at INTEGER, connected_at INTEGER, ended_at INTEGER,
                  end_reason TEXT, ended_by TEXT, code INTEGER, a_issued INTEGER NOT NULL, b_issued INTEGER NOT NULL,
                  quality_a TEXT NOT NULL, quality_b TEXT NOT NULL);
                CREATE TABLE call_transitions (
                  call_id TEXT NOT NULL, seq INTEGER NOT NULL, state TEXT NOT NULL, at INTEGER NOT NULL, detail TEXT,
                  PRIMARY KEY (call_id, seq));
                CREATE TABLE realtime_events (
                  seq INTEGER PRIMARY KEY, user_id TEXT NOT NULL, call_id TEXT NOT NULL, type TEXT NOT NULL,
                  at INTEGER NOT NULL, frame BLOB NOT NULL);
                CREATE INDEX realtime_events_at ON realtime_events(at);
                CREATE INDEX calls_open ON calls(state) WHERE state <> 'ended';
                INSERT INTO calls VALUES('old', 'general', 1, 'alice', 'bob',
                  '{"Ring":30,"MediaJoin":20,"PublisherLost":10,"MaxDuration":7200}', 'ringing',
                  {{t0.ToUnixTimeMilliseconds()}}, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, '{}', '{}');
                INSERT INTO call_transitions VALUES('old', 1, 'ringing', {{t0.ToUnixTimeMilliseconds()}}, 'created ringing');
                """;
            cmd.ExecuteNonQuery();
        }

        using var store = NewStore();
        store.Initialize();
        var accepted = new CallTransition(CallState.Accepted, t0.AddSeconds(1), "accepted by b");
        Assert.True(store.Save(new CallWrite(Snapshot("old", CallState.Accepted, t0), [accepted], [], t0.AddSeconds(1)) { Stored = true }));
        Assert.Equal(["old"], store.OpenCalls().Select(c => c.Call.CallId));
        var ended = Assert.Single(store.EndUnfinished("unused-node", t0.AddSeconds(5))); // unplaced: the older build's call

        Assert.Equal([(CallState.Ringing, "created ringing"), (CallState.Accepted, "accepted by b"), (CallState.Ended, "service_restart by system")],
            ended.Transitions.Select(t => (t.State, t.Detail)));
        Assert.Equal([t0, t0.AddSeconds(1), t0.AddSeconds(1)], ended.Transitions.Select(t => t.At)); // ended when last known alive
        Assert.Equal(ended.Transitions, store.Find("old")!.Transitions);
        Assert.Empty(store.OpenCalls());
        Assert.Empty(EventTimeIndexes());
        Assert.Equal(["calls_unended"], OpenCallIndexes()); // the older build's calls_open is dropped
    }

    [Fact]
    public void Downgrade_MovesTheColumnsTransitionsIntoRows_ThatAnOlderBuildReads_AndThisBuildReadsTheSame()
    {
        ALifecycle_KeepsTheBusyRule_AndTheTransitionsInOrder();
        List<CallTransition> before;
        using (var store = NewStore())
        {
            store.Initialize();
            before = [.. store.Find("c1")!.Transitions];
        }

        using (var cli = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            cli.Open();
            using var cmd = cli.CreateCommand();
            cmd.CommandText = SqliteTransitionsColumn.DowngradeSql;
            cmd.ExecuteNonQuery();
        }

        // What an older build reads: the rows, by seq, and no column.
        Assert.Equal(["1 ringing created", "2 accepted accepted by b", "3 connected connected (client)", "4 ended hangup by a"],
            Scalars("SELECT seq || ' ' || state || ' ' || detail FROM call_transitions WHERE call_id='c1' ORDER BY seq"));
        Assert.Equal([.. before.Select(t => t.At.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture))],
            Scalars("SELECT at FROM call_transitions WHERE call_id='c1' ORDER BY seq"));
        Assert.Empty(Scalars("SELECT transitions FROM calls WHERE transitions IS NOT NULL"));
        using var again = NewStore();
        again.Initialize();
        Assert.Equal(before, again.Find("c1")!.Transitions);
        Assert.Equal(4, before.Count);
    }

    [Fact]
    public void TheDowngradeCommand_InTheConfigurationDocs_IsTheTestedStatement()
    {
        // docs/configuration.md gives the statement as a sqlite3 command in double quotes, so its '$' is escaped for
        // the shell; otherwise it is the constant, line for line.
        var docs = File.ReadAllText(Path.Combine(TestSupport.RepoPaths.Root, "docs", "configuration.md"));
        const string start = "sqlite3 data/calls.db \"";
        var at = docs.IndexOf(start, StringComparison.Ordinal);
        Assert.True(at >= 0, "docs/configuration.md has no sqlite3 downgrade command");
        var body = docs[(at + start.Length)..];
        var command = body[..body.IndexOf("\"\n```", StringComparison.Ordinal)].Replace("\\$", "$", StringComparison.Ordinal);
        Assert.Equal(Lines(SqliteTransitionsColumn.DowngradeSql), Lines(command));

        static string[] Lines(string sql) =>
            [.. sql.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
    }

    [Fact]
    public void DatabaseWithRowidTables_FromAnOlderBuild_KeepsItsShape_AndWorks()
    {
        Directory.CreateDirectory(_dir);
        using (var old = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            old.Open();
            using var cmd = old.CreateCommand();
            cmd.CommandText = """
                CREATE TABLE call_transitions (
                  call_id TEXT NOT NULL, seq INTEGER NOT NULL, state TEXT NOT NULL, at INTEGER NOT NULL, detail TEXT,
                  PRIMARY KEY (call_id, seq));
                CREATE TABLE busy_parties (
                  user_id TEXT PRIMARY KEY, call_id TEXT NOT NULL);
                CREATE INDEX busy_parties_call ON busy_parties(call_id);
                """;
            cmd.ExecuteNonQuery();
        }

        ALifecycle_KeepsTheBusyRule_AndTheTransitionsInOrder();

        Assert.Empty(WithoutRowidTables()); // left as the older build made them
        Assert.Empty(BusyClaimIndexes()); // but its index on the claims' call id is dropped
    }

    /// <summary>Create (claims both parties) → a busy create loses → accept → connect → end (releases) → a new create wins.</summary>
    private void ALifecycle_KeepsTheBusyRule_AndTheTransitionsInOrder()
    {
        using var store = NewStore();
        store.Initialize();
        var t0 = CoordinatorRig.T0;
        var ringing = Snapshot("c1", CallState.Ringing, t0) with { Transitions = [new(CallState.Ringing, t0, "created")] };

        Assert.True(store.Save(new CallWrite(ringing, ringing.Transitions, [], t0, ClaimParties: true)));
        var other = Snapshot("c2", CallState.Ringing, t0) with { CallerUserId = "carol" };
        Assert.False(store.Save(new CallWrite(other, [], [], t0, ClaimParties: true))); // bob is busy

        var accepted = new CallTransition(CallState.Accepted, t0.AddSeconds(1), "accepted by b");
        var connected = new CallTransition(CallState.Connected, t0.AddSeconds(2), "connected (client)");
        var ended = new CallTransition(CallState.Ended, t0.AddSeconds(3), "hangup by a");
        Assert.True(store.Save(new CallWrite(Snapshot("c1", CallState.Accepted, t0), [accepted], [], t0.AddSeconds(1)) { Stored = true }));
        Assert.True(store.Save(new CallWrite(Snapshot("c1", CallState.Connected, t0), [connected], [], t0.AddSeconds(2)) { Stored = true }));
        Assert.True(store.Save(new CallWrite(Snapshot("c1", CallState.Ended, t0) with
        {
            EndedAt = t0.AddSeconds(3), EndReason = EndReason.Hangup, EndedBy = Ender.A,
        }, [ended], [], t0.AddSeconds(3)) { Stored = true }));

        var saved = store.Find("c1")!;
        Assert.Equal(CallState.Ended, saved.State);
        Assert.Equal([CallState.Ringing, CallState.Accepted, CallState.Connected, CallState.Ended], saved.Transitions.Select(t => t.State));
        Assert.Equal(["created", "accepted by b", "connected (client)", "hangup by a"], saved.Transitions.Select(t => t.Detail));
        Assert.Empty(Scalars("SELECT user_id FROM busy_parties"));
        Assert.True(store.Save(new CallWrite(other, [], [], t0.AddSeconds(4), ClaimParties: true))); // bob is free again
        Assert.Equal(["bob", "carol"], Scalars("SELECT user_id FROM busy_parties ORDER BY user_id"));
    }

    private static CallSnapshot Snapshot(string id, CallState state, DateTimeOffset t0) => new(
        id, "general", true, "alice", "bob", CoordinatorRig.DefaultTimers, state,
        t0, state >= CallState.Accepted ? t0.AddSeconds(1) : null, state >= CallState.Connected ? t0.AddSeconds(2) : null, null,
        null, null, null, true, true, new Dictionary<int, int>(), new Dictionary<int, int>(), []);

    private List<string> OpenCallIndexes() =>
        Scalars("SELECT name FROM sqlite_master WHERE type='index' AND name IN ('calls_open', 'calls_unended')");

    private List<string> EventTimeIndexes() =>
        Scalars("SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='realtime_events' AND sql LIKE '%(at)%'");

    private List<string> BusyClaimIndexes() =>
        Scalars("SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='busy_parties' AND name NOT LIKE 'sqlite_autoindex%'");

    private List<string> WithoutRowidTables() =>
        [.. Scalars("SELECT name FROM sqlite_master WHERE type='table' AND sql LIKE '%WITHOUT ROWID%' ORDER BY name")];

    private List<string> Scalars(string sql, int column = 0)
    {
        using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        using var r = cmd.ExecuteReader();
        var values = new List<string>();
        while (r.Read()) values.Add(r.GetString(column));
        return values;
    }
}

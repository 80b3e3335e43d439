using CallService.Cluster;
using CallService.Realtime;
using CallService.Storage;
using CallService.Storage.Postgres;
using CallService.Tests.Support;
using CallService.Tests.Support.Postgres;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Xunit.Abstractions;

namespace CallService.Tests.Realtime;

/// <summary>
/// Two nodes on one throwaway PostgreSQL (two store instances): node 2's feed delivers node 1's events to a socket on
/// node 2 within 1 s, in seq order, each once, mixed with node 2's own; and catches up after its listener connection
/// is killed.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterEventFeedTests(PostgresCluster cluster, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(1); // the contract's delivery bound
    private readonly List<IDisposable> _disposables = [];
    private string _connectionString = "";
    private Node _node1 = null!;
    private Node _node2 = null!;

    public async Task InitializeAsync()
    {
        _connectionString = await cluster.CreateDatabaseAsync("feed_" + Guid.NewGuid().ToString("N")[..12]);
        _node1 = await Node.Start(this, "node-1");
        _node2 = await Node.Start(this, "node-2");
    }

    public async Task DisposeAsync()
    {
        await _node1.Feed.StopAsync(CancellationToken.None);
        await _node2.Feed.StopAsync(CancellationToken.None);
        foreach (var d in _disposables) d.Dispose();
    }

    [Fact]
    public async Task OtherNodesEvents_ReachASocketOnThisNode_WithinOneSecond_InSeqOrder_EachOnce()
    {
        var socket = _node2.Socket("bob");

        // One event written on node 1: on node 2's socket within the bound.
        var first = _node1.Write("bob", "c0");
        Assert.True(await Until(() => socket.Seqs.Count == 1, Bound), $"node 2 got {socket.Seqs.Count} frames within 1 s");
        Assert.Equal(first.Seq, socket.Seqs[0]);
        Assert.Equal("c0", socket.Frames[0].GetProperty("callId").GetString());

        // Both nodes write bob's events at once (node 1 also carol's): node 2's socket gets every one of bob's, once,
        // numbers rising, whichever node wrote it.
        var fromNode1 = Task.Run(() => Enumerable.Range(1, 40).SelectMany(i => i % 3 == 0
            ? [_node1.Write("bob", $"n1-{i}"), _node1.Write("carol", $"n1-{i}")]
            : new[] { _node1.Write("bob", $"n1-{i}") }).ToList());
        var fromNode2 = Task.Run(() => Enumerable.Range(1, 40).Select(i => _node2.Write("bob", $"n2-{i}")).ToList());
        var written = (await fromNode1).Concat(await fromNode2).Append(first).Where(e => e.UserId == "bob").Select(e => e.Seq).Order().ToList();
        Assert.Equal(81, written.Distinct().Count());

        Assert.True(await Until(() => socket.Seqs.Count >= written.Count, Bound), $"node 2 got {socket.Seqs.Count} of {written.Count} frames");
        Assert.Equal(written, socket.Seqs); // every one, once, in increasing order
        Assert.Equal(written, _node2.Store.EventsOf("bob", 0, long.MaxValue, DateTimeOffset.MinValue).Select(e => e.Seq));

        // resume on node 2 replays node 1's events too (from memory: they passed through node 2's hub in order).
        var later = new RealtimeConnection(NullLogger.Instance);
        _node2.Hub.Attach("bob", later);
        Assert.Equal(written.Count, _node2.Hub.Resume("bob", later, 0));
        Assert.Equal(written, _node2.Hub.History("bob").Select(e => e.Seq));
    }

    [Fact]
    public async Task EachEventWrittenAloneOnNode1_ReachesNode2WithinOneSecond()
    {
        var socket = _node2.Socket("erin");
        var delays = new List<double>();
        for (var i = 0; i < 20; i++)
        {
            var written = _node1.Write("erin", $"d{i}");
            var committed = System.Diagnostics.Stopwatch.GetTimestamp();
            Assert.True(await Until(() => socket.Seqs.Count == i + 1, Bound, pollMs: 1), $"event {i} not on node 2 within 1 s");
            delays.Add(System.Diagnostics.Stopwatch.GetElapsedTime(committed).TotalMilliseconds);
            Assert.Equal(written.Seq, socket.Seqs[^1]);
        }
        delays.Sort();
        output.WriteLine($"commit → node 2 socket, ms: p50 {delays[9]:F1}, max {delays[^1]:F1}");
    }

    [Fact]
    public async Task AfterTheListenerConnectionIsKilled_TheFeedCatchesUp_AndListensAgain()
    {
        var socket = _node2.Socket("dave");
        Assert.True(await Until(() => _node1.Feed.Listening && _node2.Feed.Listening, TimeSpan.FromSeconds(10)));

        await using (var connection = new NpgsqlConnection(_connectionString))
        {
            await connection.OpenAsync();
            await using var kill = new NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()",
                connection) { Parameters = { new NpgsqlParameter<string> { TypedValue = PostgresEventListener.ApplicationName } } };
            Assert.Equal(2L, await kill.ExecuteScalarAsync()); // both nodes' listeners
        }
        var missed = Enumerable.Range(0, 5).Select(i => _node1.Write("dave", $"m{i}").Seq).ToList();

        Assert.True(await Until(() => socket.Seqs.Count >= missed.Count, TimeSpan.FromSeconds(5)), $"got {socket.Seqs.Count} of 5 after the kill");
        Assert.Equal(missed, socket.Seqs);

        Assert.True(await Until(() => _node2.Feed.Listening, TimeSpan.FromSeconds(10)), "the listener did not reconnect");
        var next = _node1.Write("dave", "after");
        Assert.True(await Until(() => socket.Seqs.Count == missed.Count + 1, Bound));
        Assert.Equal([.. missed, next.Seq], socket.Seqs);
    }

    [Fact]
    public void WithoutAFeed_AHubStillDeliversItsOwnNodesEvents_Numbered()
    {
        var store = new PostgresCallStore(new PostgresStorageOptions(_connectionString),
            new NodeIdentity(Options.Create(new ClusterOptions { NodeId = "node-3" })));
        store.Initialize();
        _disposables.Add(store);
        var hub = new RealtimeHub(TimeProvider.System, store, new EventSequence(store), Options.Create(new RealtimeOptions()), NullLogger<RealtimeHub>.Instance);
        var socket = new FrameRecorder();
        var connection = new RealtimeConnection(NullLogger.Instance);
        hub.Attach("frank", connection);
        connection.Open(socket);

        var written = store.AppendEvents([hub.Prepare("frank", "call.incoming", "c1", new { callId = "c1" })]).Single();

        Assert.True(written.Seq > 0);
        Assert.Equal([written.Seq], socket.Seqs); // delivered from the commit itself
    }

    private static async Task<bool> Until(Func<bool> condition, TimeSpan bound, int pollMs = 10)
    {
        var deadline = DateTime.UtcNow + bound;
        while (true)
        {
            if (condition()) return true;
            if (DateTime.UtcNow >= deadline) return false;
            await Task.Delay(pollMs);
        }
    }

    /// <summary>One node: its store, hub and feed, as the host wires them.</summary>
    private sealed record Node(PostgresCallStore Store, RealtimeHub Hub, ClusterEventFeed Feed)
    {
        public static async Task<Node> Start(ClusterEventFeedTests test, string nodeId)
        {
            var store = new PostgresCallStore(new PostgresStorageOptions(test._connectionString),
                new NodeIdentity(Options.Create(new ClusterOptions { NodeId = nodeId })));
            store.Initialize();
            test._disposables.Add(store);
            var sequence = new EventSequence(store);
            var hub = new RealtimeHub(TimeProvider.System, store, sequence, Options.Create(new RealtimeOptions()), NullLogger<RealtimeHub>.Instance);
            var feed = new ClusterEventFeed(store, hub, sequence, TimeProvider.System, NullLogger<ClusterEventFeed>.Instance);
            test._disposables.Add(feed);
            await feed.StartAsync(CancellationToken.None);
            return new Node(store, hub, feed);
        }

        /// <summary>A socket of <paramref name="userId"/> attached to this node's hub.</summary>
        public FrameRecorder Socket(string userId)
        {
            var recorder = new FrameRecorder();
            var connection = new RealtimeConnection(NullLogger.Instance);
            Hub.Attach(userId, connection);
            connection.Open(recorder);
            return recorder;
        }

        /// <summary>An event written on this node as a call change writes it (numbered at commit); returns it as written.</summary>
        public StoredEvent Write(string userId, string callId) =>
            Store.AppendEvents([Hub.Prepare(userId, "call.incoming", callId, new { callId })]).Single();
    }
}

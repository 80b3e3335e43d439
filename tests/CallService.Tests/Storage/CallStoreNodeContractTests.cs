using CallContracts.Calls;
using CallService.Calls;
using CallService.Storage;

namespace CallService.Tests.Storage;

/// <summary>
/// What every <see cref="ICallStore"/> must do when several nodes share it, run against each implementation (a subclass
/// per provider; the single-store contract is <see cref="CallStoreContractTests"/>). A "node" is one store instance:
/// <see cref="OpenStore"/> called twice gives two nodes on the same database, as two processes would.
/// </summary>
public abstract partial class CallStoreNodeContractTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly CallTimerSettings Timers = new(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(20),
        TimeSpan.FromSeconds(10), TimeSpan.FromHours(1));

    private readonly List<ICallStore> _opened = [];

    /// <summary>A new, initialised store instance for <paramref name="nodeId"/> on this test class's database.</summary>
    internal abstract ICallStore CreateStore(string nodeId);

    internal ICallStore OpenStore(string nodeId = "node-a")
    {
        var store = CreateStore(nodeId);
        store.Initialize();
        lock (_opened) _opened.Add(store);
        return store;
    }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync()
    {
        foreach (var store in _opened) (store as IDisposable)?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Ids unique across test methods that share a database.</summary>
    protected static string Id(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    internal static CallSnapshot Ringing(string callId, string caller, string callee, DateTimeOffset at) => new(
        callId, "general", true, caller, callee, Timers, CallState.Ringing, at, null, null, null, null, null, null,
        false, false, new Dictionary<int, int>(), new Dictionary<int, int>(), [new CallTransition(CallState.Ringing, at, "created")]);

    internal static CallWrite Create(CallSnapshot call) => new(call, call.Transitions, [], call.CreatedAt, ClaimParties: true);

    internal static CallWrite End(CallSnapshot call, DateTimeOffset at)
    {
        var ended = call with
        {
            State = CallState.Ended, EndedAt = at, EndReason = EndReason.Hangup, EndedBy = Ender.A,
            Transitions = [.. call.Transitions, new CallTransition(CallState.Ended, at, "hangup by a")],
        };
        return new CallWrite(ended, [ended.Transitions[^1]], [], at);
    }

    [Fact]
    public void Save_ThenFind_ReturnsTheCallAsWritten()
    {
        var store = OpenStore();
        var call = Ringing(Id("c"), Id("alice"), Id("bob"), T0.AddTicks(1234)) with
        {
            WarningsA = new Dictionary<int, int> { [1101] = 2 },
            MediaB = new PartyMediaQuality(3, 900, 1200, 64, 96, 29.97, 640, 480, 1, 2, 0, 1),
        };
        Assert.True(store.Save(Create(call)));
        var accepted = call with
        {
            State = CallState.Accepted, AcceptedAt = T0.AddSeconds(3), AIssued = true,
            Transitions = [.. call.Transitions, new CallTransition(CallState.Accepted, T0.AddSeconds(3), "accepted by b")],
        };
        Assert.True(store.Save(new CallWrite(accepted, [accepted.Transitions[^1]], [], T0.AddSeconds(3))));

        var found = OpenStore("node-b").Find(call.CallId);

        Assert.NotNull(found);
        Assert.Equal((call.CallId, call.CallerUserId, call.CalleeUserId, CallState.Accepted, T0, T0.AddSeconds(3), true, false),
            (found.CallId, found.CallerUserId, found.CalleeUserId, found.State, found.CreatedAt, found.AcceptedAt, found.AIssued, found.BIssued));
        Assert.Equal(Timers, found.Timers);
        Assert.Equal([(CallState.Ringing, T0, "created"), (CallState.Accepted, T0.AddSeconds(3), "accepted by b")],
            found.Transitions.Select(t => (t.State, t.At, t.Detail)));
        Assert.Equal(2, found.WarningsA[1101]);
        Assert.Empty(found.WarningsB);
        Assert.Null(found.MediaA);
        Assert.Equal(accepted.MediaB, found.MediaB);
        Assert.Null(store.Find(Id("missing")));
    }

    [Fact]
    public void Query_NewestFirst_FiltersByUserAndTime_PagesWithTheCursor()
    {
        var store = OpenStore();
        var user = Id("u");
        var calls = Enumerable.Range(0, 5)
            .Select(i => Ringing(Id("q"), user, Id("peer"), T0.AddMinutes(i)))
            .ToList();
        // Records only: no busy claims (the same user is in every call).
        foreach (var c in calls) Assert.True(store.Save(Create(c) with { ClaimParties = false }));
        Assert.True(store.Save(Create(Ringing(Id("q"), Id("other"), Id("peer"), T0.AddMinutes(2)))));

        var first = store.Query(new RecordQuery(user, null, null, 2, null));
        Assert.Equal([calls[4].CallId, calls[3].CallId], first.Select(c => c.CallId));
        var next = store.Query(new RecordQuery(user, null, null, 2, new RecordCursor(first[^1].CreatedAt.ToUnixTimeMilliseconds(), first[^1].CallId)));
        Assert.Equal([calls[2].CallId, calls[1].CallId], next.Select(c => c.CallId));
        var window = store.Query(new RecordQuery(user, T0.AddMinutes(1), T0.AddMinutes(3), 10, null));
        Assert.Equal([calls[2].CallId, calls[1].CallId], window.Select(c => c.CallId));
        Assert.All(store.Query(new RecordQuery(user, null, null, 100, null)), c => Assert.Single(c.Transitions));
    }

    [Fact]
    public void BusyRule_ASecondCallOfABusyUser_IsNotWritten_UntilTheFirstEnds()
    {
        var store = OpenStore();
        var (alice, bob, carol) = (Id("alice"), Id("bob"), Id("carol"));
        var first = Ringing(Id("b"), alice, bob, T0);
        Assert.True(store.Save(Create(first)));

        var second = Ringing(Id("b"), carol, bob, T0.AddSeconds(1));
        Assert.False(store.Save(Create(second)));
        Assert.Null(store.Find(second.CallId));
        // The failed claim left carol free.
        Assert.True(store.Save(Create(Ringing(Id("b"), carol, Id("dave"), T0.AddSeconds(2)))));

        Assert.True(store.Save(End(first, T0.AddSeconds(5))));
        Assert.True(store.Save(Create(Ringing(Id("b"), bob, alice, T0.AddSeconds(6)))));
    }

    [Fact]
    public async Task BusyRule_TwoNodesCreatingForTheSameUserAtOnce_ExactlyOneWins_50Times()
    {
        var nodes = new[] { OpenStore("node-a"), OpenStore("node-b") };
        for (var race = 0; race < 50; race++)
        {
            // Even races: two callers, one callee. Odd races: the same two users calling each other (claims in both orders).
            var (x, y, z) = (Id("x"), Id("y"), Id("z"));
            var calls = race % 2 == 0
                ? new[] { Ringing(Id("r"), x, z, T0), Ringing(Id("r"), y, z, T0) }
                : new[] { Ringing(Id("r"), x, y, T0), Ringing(Id("r"), y, x, T0) };
            using var start = new Barrier(2);
            var results = await Task.WhenAll(Enumerable.Range(0, 2).Select(i => Task.Run(() =>
            {
                start.SignalAndWait(TimeSpan.FromSeconds(30));
                return nodes[i].Save(Create(calls[i]));
            })));

            Assert.Equal(1, results.Count(won => won));
            var winner = calls[Array.IndexOf(results, true)];
            var loser = calls[Array.IndexOf(results, false)];
            Assert.NotNull(nodes[0].Find(winner.CallId));
            Assert.Null(nodes[1].Find(loser.CallId));
        }
    }

    [Fact]
    public void EventSeqs_NeverGoBack_AcrossNewStoreInstances_AndNodesGetDisjointBlocks()
    {
        var first = OpenStore("node-a");
        var a = first.ReserveEventSeqs(1024);
        var b = OpenStore("node-b").ReserveEventSeqs(1024);
        Assert.True(Math.Abs(a - b) >= 1024, $"blocks overlap: {a} and {b}");
        (first as IDisposable)?.Dispose();

        var restarted = OpenStore("node-a").ReserveEventSeqs(10);
        Assert.True(restarted > Math.Max(a, b) + 1023, $"{restarted} is not above {Math.Max(a, b) + 1023}");
        Assert.Equal(restarted + 10, OpenStore("node-a").ReserveEventSeqs(1));
    }

    [Fact]
    public void Events_AreReadBackByUserAndRange_AndDeletedByAge()
    {
        var store = OpenStore();
        var (alice, bob, call) = (Id("alice"), Id("bob"), Id("e"));
        var seq = store.ReserveEventSeqs(3);
        var events = new[]
        {
            new StoredEvent(seq, alice, call, "call.ringing", T0, "{\"a\":1}"u8.ToArray()),
            new StoredEvent(seq + 1, bob, call, "call.incoming", T0, "{\"b\":1}"u8.ToArray()),
            new StoredEvent(seq + 2, alice, call, "call.ended", T0.AddMinutes(10), "{\"a\":2}"u8.ToArray()),
        };
        Assert.True(store.Save(Create(Ringing(call, alice, bob, T0)) with { Events = events[..2] }));
        store.AppendEvents(events[2..]);

        var read = OpenStore("node-b").EventsOf(alice, seq - 1, seq + 10, T0.AddMinutes(-5));
        Assert.Equal([(seq, "call.ringing", "{\"a\":1}"), (seq + 2, "call.ended", "{\"a\":2}")],
            read.Select(e => (e.Seq, e.Type, System.Text.Encoding.UTF8.GetString(e.Frame))));
        Assert.Equal([seq + 2], store.EventsOf(alice, seq, seq + 10, T0).Select(e => e.Seq));
        Assert.Empty(store.EventsOf(alice, seq - 1, seq + 1, T0.AddMinutes(1)));

        Assert.True(store.DeleteEventsBefore(T0.AddMinutes(1)) >= 2);
        Assert.Equal([seq + 2], store.EventsOf(alice, 0, long.MaxValue, DateTimeOffset.MinValue).Select(e => e.Seq));
    }
}

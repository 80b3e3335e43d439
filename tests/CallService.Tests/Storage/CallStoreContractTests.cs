using System.Text;
using CallService.Calls;
using CallService.Storage;
using CallService.Tests.Support;

namespace CallService.Tests.Storage;

/// <summary>
/// What every <see cref="ICallStore"/> must do, whatever the engine: one subclass per implementation (SQLite now,
/// PostgreSQL next) runs these same tests.
/// </summary>
public abstract partial class CallStoreContractTests : IDisposable
{
    private static readonly DateTimeOffset T0 = CoordinatorRig.T0;
    private readonly List<ICallStore> _opened = [];

    /// <summary>A store on a fresh, empty database.</summary>
    private protected abstract ICallStore CreateStore();

    /// <summary>A second store on the same database (a restart, or another node).</summary>
    private protected abstract ICallStore ReopenStore();

    /// <summary>Releases the database.</summary>
    protected abstract void DropDatabase();

    private ICallStore Store()
    {
        var store = _opened.Count == 0 ? CreateStore() : ReopenStore();
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

    private static CallSnapshot Live(string id, string caller = "alice", string callee = "bob", DateTimeOffset? at = null) => new(
        id, "general", false, caller, callee, CoordinatorRig.DefaultTimers, CallState.Accepted, at ?? T0, at ?? T0, null, null,
        null, null, null, true, true, new Dictionary<int, int>(), new Dictionary<int, int>(),
        [new CallTransition(CallState.Accepted, at ?? T0, "created direct")]);

    private static CallSnapshot Ended(CallSnapshot live, DateTimeOffset at) => live with
    {
        State = CallState.Ended, EndedAt = at, EndReason = EndReason.Hangup, EndedBy = Ender.A,
        Transitions = [.. live.Transitions, new CallTransition(CallState.Ended, at, "hangup by a")],
    };

    private static StoredEvent Event(long seq, string user, string callId, DateTimeOffset at) =>
        new(seq, user, callId, "call.ended", at, Encoding.UTF8.GetBytes($"{{\"seq\":{seq}}}"));

    private static bool Create(ICallStore store, CallSnapshot call, params StoredEvent[] events) =>
        store.Save(new CallWrite(call, call.Transitions, events, call.CreatedAt, ClaimParties: true));

    [Fact]
    public void Save_ThenFind_RoundTripsTheCallAndItsTransitions()
    {
        var store = Store();
        Assert.True(Create(store, Live("c1")));
        var ended = Ended(Live("c1"), T0.AddSeconds(30));
        Assert.True(store.Save(new CallWrite(ended, [ended.Transitions[^1]], [], T0.AddSeconds(30))));
        var found = store.Find("c1")!;
        Assert.Equal((CallState.Ended, EndReason.Hangup, T0.AddSeconds(30)), (found.State, found.EndReason, found.EndedAt));
        Assert.Equal([CallState.Accepted, CallState.Ended], found.Transitions.Select(t => t.State));
        Assert.Null(store.Find("nope"));
    }

    [Fact]
    public void BusyRule_AClaimFails_WhenEitherPartyHoldsALiveCall_AndWritesNothing()
    {
        var store = Store();
        Assert.True(Create(store, Live("c1", "alice", "bob")));
        Assert.False(Create(store, Live("c2", "carol", "bob"), Event(1, "carol", "c2", T0)));
        Assert.False(Create(store, Live("c3", "alice", "dave")));
        Assert.Null(store.Find("c2"));
        Assert.Empty(store.EventsOf("carol", 0, long.MaxValue, T0));
        Assert.True(Create(store, Live("c4", "carol", "dave")));
    }

    [Fact]
    public void BusyRule_EndingTheCall_FreesBothParties()
    {
        var store = Store();
        Assert.True(Create(store, Live("c1", "alice", "bob")));
        store.Save(new CallWrite(Ended(Live("c1"), T0.AddSeconds(5)), [], [], T0.AddSeconds(5)));
        Assert.True(Create(store, Live("c2", "bob", "alice")));
    }

    [Fact]
    public async Task BusyRule_HoldsUnderConcurrentClaims_ForTheSameCallee()
    {
        var store = Store();
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            Task.Run(() => Create(store, Live($"c{i}", $"caller{i}", "bob")))));
        Assert.Single(results, r => r);
    }

    [Fact]
    public void EventsWrittenWithACall_AreReadBackPerUser_InOrder_WithinTheRange()
    {
        var store = Store();
        var first = store.ReserveEventSeqs(10);
        Create(store, Live("c1"), Event(first, "alice", "c1", T0), Event(first + 1, "bob", "c1", T0));
        store.AppendEvents([Event(first + 2, "alice", "c1", T0.AddSeconds(1)), Event(first + 3, "alice", "c1", T0.AddSeconds(2))]);
        Assert.Equal([first, first + 2, first + 3], store.EventsOf("alice", 0, long.MaxValue, T0).Select(e => e.Seq));
        Assert.Equal([first + 2], store.EventsOf("alice", first, first + 2, T0).Select(e => e.Seq));
        Assert.Equal([first + 3], store.EventsOf("alice", 0, long.MaxValue, T0.AddSeconds(2)).Select(e => e.Seq));
        Assert.Equal("{\"seq\":" + first + "}", Encoding.UTF8.GetString(store.EventsOf("alice", 0, first, T0)[0].Frame));
        Assert.Equal(3, store.DeleteEventsBefore(T0.AddSeconds(2)));
        Assert.Equal([first + 3], store.EventsOf("alice", 0, long.MaxValue, T0).Select(e => e.Seq));
    }

    [Fact]
    public void EventNumbers_NeverRepeat_AcrossAReopen_EvenWhenEveryEventWasDeleted()
    {
        var store = Store();
        var a = store.ReserveEventSeqs(100);
        store.AppendEvents([Event(a + 99, "alice", "c1", T0)]);
        Assert.Equal(a + 100, store.ReserveEventSeqs(5));
        store.DeleteEventsBefore(T0.AddDays(1));
        var again = Store();
        Assert.True(again.ReserveEventSeqs(1) >= a + 105);
    }

    [Fact]
    public void IdempotencyKey_IsTakenOnce_ThenHeldWithItsAnswer_UntilItExpires()
    {
        var store = Store();
        Assert.Null(store.TakeIdempotencyKey("service", "k1", "f1", T0, T0.AddHours(-24)));
        var pending = store.TakeIdempotencyKey("service", "k1", "f1", T0, T0.AddHours(-24))!;
        Assert.Equal(("f1", null), (pending.Fingerprint, pending.Response));
        store.CompleteIdempotencyKey("service", "k1", "{\"callId\":\"c1\"}");
        Assert.Equal("{\"callId\":\"c1\"}", store.TakeIdempotencyKey("service", "k1", "f2", T0, T0.AddHours(-24))!.Response);
        Assert.Null(store.TakeIdempotencyKey("user:bob", "k1", "f1", T0, T0.AddHours(-24))); // another scope
        Assert.Null(store.TakeIdempotencyKey("service", "k1", "f3", T0.AddHours(25), T0.AddHours(1))); // expired: taken anew
    }

    [Fact]
    public void IdempotencyKey_Released_IsFreeAgain_ButACompletedOneIsNot()
    {
        var store = Store();
        Assert.Null(store.TakeIdempotencyKey("service", "k", "f", T0, T0.AddHours(-24)));
        store.ReleaseIdempotencyKey("service", "k");
        Assert.Null(store.TakeIdempotencyKey("service", "k", "f", T0, T0.AddHours(-24)));
        store.CompleteIdempotencyKey("service", "k", "{}");
        store.ReleaseIdempotencyKey("service", "k");
        Assert.NotNull(store.TakeIdempotencyKey("service", "k", "f", T0, T0.AddHours(-24)));
        Assert.Equal(1, store.DeleteIdempotencyKeysBefore(T0.AddSeconds(1)));
    }

    [Fact]
    public void Lease_IsRenewed_AndNeverGoesBack()
    {
        var store = Store();
        Assert.Null(store.LeaseOf("n1"));
        store.RenewLease("n1", T0.AddSeconds(5));
        store.RenewLease("n1", T0.AddSeconds(3));
        Assert.Equal(T0.AddSeconds(5), store.LeaseOf("n1"));
        Assert.Null(store.LeaseOf("n2"));
    }

    [Fact]
    public void EndUnfinished_EndsLiveCalls_AtTheLastMomentTheNodeWasKnownAlive_AndFreesTheParties()
    {
        var store = Store();
        Create(store, Live("c1", "alice", "bob", T0));
        Create(store, Live("c2", "carol", "dave", T0));
        store.Save(new CallWrite(Ended(Live("c2"), T0.AddSeconds(1)), [], [], T0.AddSeconds(1)));
        store.RenewLease(LocalNode, T0.AddSeconds(42));

        var restarted = Store();
        var ended = restarted.EndUnfinished(LocalNode, T0.AddHours(1));
        var c1 = Assert.Single(ended);
        Assert.Equal(("c1", CallState.Ended, EndReason.ServiceRestart, Ender.System), (c1.CallId, c1.State, c1.EndReason, c1.EndedBy));
        Assert.Equal(T0.AddSeconds(42), c1.EndedAt); // not the restart time: the downtime is no call time
        Assert.Equal(T0.AddSeconds(42), c1.Transitions[^1].At);
        Assert.True(Create(restarted, Live("c3", "bob", "alice", T0.AddHours(1))));
        Assert.Equal(CallState.Ended, restarted.Find("c2")!.State); // already ended: untouched
        Assert.Equal(EndReason.Hangup, restarted.Find("c2")!.EndReason);
    }

    [Fact]
    public void ProbeWrite_OnAWritableStore_RenewsTheNodesLease_NeverBack()
    {
        var store = Store();
        store.ProbeWrite(T0.AddSeconds(10));
        store.ProbeWrite(T0.AddSeconds(4));
        Assert.Equal(T0.AddSeconds(10), store.LeaseOf(LocalNode));
    }

    [Fact]
    public void ProbeWrite_WhileTheDatabaseTakesNoWrites_Throws_AndSucceedsOnceItDoesAgain()
    {
        var store = Store();
        store.ProbeWrite(T0);
        using (HoldOffWrites())
            Assert.ThrowsAny<Exception>(() => store.ProbeWrite(T0.AddSeconds(1)));
        store.ProbeWrite(T0.AddSeconds(2));
        Assert.Equal(T0.AddSeconds(2), store.LeaseOf(LocalNode));
    }

    /// <summary>Makes the database refuse this store's writes until disposed (a lock held elsewhere, connections refused).</summary>
    private protected abstract IDisposable HoldOffWrites();

    /// <summary>The node id the store under test writes its calls as.</summary>
    protected virtual string LocalNode => "local";
}

using CallService.Calls;
using CallService.Storage;

namespace CallService.Tests.Storage;

/// <summary>The contract's coordination part: idempotency keys, restart endings and leases.</summary>
public abstract partial class CallStoreNodeContractTests
{
    [Fact]
    public async Task IdempotencyKey_TakenAtOnceOnTwoNodes_IsTakenOnce_ThenAnswersTheStoredResponse()
    {
        var nodes = new[] { OpenStore("node-a"), OpenStore("node-b") };
        for (var race = 0; race < 20; race++)
        {
            var key = Id("k");
            using var start = new Barrier(2);
            var results = await Task.WhenAll(Enumerable.Range(0, 2).Select(i => Task.Run(() =>
            {
                start.SignalAndWait(TimeSpan.FromSeconds(30));
                return nodes[i].TakeIdempotencyKey("svc", key, "fp-" + i, T0, T0.AddDays(-1));
            })));

            Assert.Single(results, r => r is null);
            var held = Assert.Single(results, r => r is not null)!;
            Assert.Null(held.Response);
            Assert.Equal(T0, held.CreatedAt);
            var winner = Array.IndexOf(results, null);
            Assert.Equal("fp-" + winner, held.Fingerprint);

            nodes[winner].CompleteIdempotencyKey("svc", key, "{\"callId\":\"c1\"}");
            var again = nodes[1 - winner].TakeIdempotencyKey("svc", key, "fp-x", T0.AddSeconds(1), T0.AddDays(-1));
            Assert.Equal(("fp-" + winner, "{\"callId\":\"c1\"}"), (again!.Fingerprint, again.Response));
        }
    }

    [Fact]
    public void IdempotencyKey_Released_OrExpired_CanBeTakenAgain_AndScopesAreApart()
    {
        var store = OpenStore();
        var key = Id("k");
        Assert.Null(store.TakeIdempotencyKey("svc", key, "fp1", T0, T0.AddDays(-1)));
        Assert.Null(store.TakeIdempotencyKey("other", key, "fp1", T0, T0.AddDays(-1)));
        store.ReleaseIdempotencyKey("svc", key);
        Assert.Null(store.TakeIdempotencyKey("svc", key, "fp2", T0.AddSeconds(1), T0.AddDays(-1)));
        store.CompleteIdempotencyKey("svc", key, "done");
        store.ReleaseIdempotencyKey("svc", key); // a completed key stays
        Assert.Equal("done", store.TakeIdempotencyKey("svc", key, "fp3", T0.AddSeconds(2), T0.AddDays(-1))?.Response);

        // An entry created before the expiry bound is replaced: taken now.
        Assert.Null(store.TakeIdempotencyKey("svc", key, "fp4", T0.AddDays(2), T0.AddDays(1)));
        Assert.Equal(("fp4", null), store.TakeIdempotencyKey("svc", key, "fp5", T0.AddDays(2), T0.AddDays(1)) is { } e ? (e.Fingerprint, e.Response) : default);
        Assert.True(store.DeleteIdempotencyKeysBefore(T0.AddDays(3)) >= 2);
        Assert.Null(store.TakeIdempotencyKey("other", key, "fp6", T0.AddDays(3), T0.AddDays(-1)));
    }

    [Fact]
    public void EndUnfinished_EndsTheNodesOpenCalls_AtTheLastKnownAliveTime_AndFreesTheirParties()
    {
        var (nodeA, nodeB) = (Id("node"), Id("node"));
        var a = OpenStore(nodeA);
        var (alice, bob, carol, dave) = (Id("alice"), Id("bob"), Id("carol"), Id("dave"));
        var leased = Ringing(Id("u"), alice, bob, T0);
        var written = Ringing(Id("u"), carol, dave, T0);
        Assert.True(a.Save(Create(leased)));
        Assert.True(a.Save(Create(written)));
        var connected = written with { State = CallState.Connected, AcceptedAt = T0.AddSeconds(2), ConnectedAt = T0.AddSeconds(4) };
        Assert.True(a.Save(new CallWrite(connected, [], [], T0.AddSeconds(50)))); // its last write: known alive at T0+50 s
        a.RenewLease(nodeA, T0.AddSeconds(30));
        var other = OpenStore(nodeB);
        var elsewhere = Ringing(Id("u"), Id("erin"), Id("frank"), T0);
        Assert.True(other.Save(Create(elsewhere)));

        var restarted = OpenStore(nodeA);
        var ended = restarted.EndUnfinished(nodeA, T0.AddHours(1));

        Assert.Equal(new[] { leased.CallId, written.CallId }.Order(StringComparer.Ordinal),
            ended.Select(c => c.CallId).Order(StringComparer.Ordinal));
        Assert.All(ended, c => Assert.Equal((CallState.Ended, EndReason.ServiceRestart, Ender.System, (int?)null),
            (c.State, c.EndReason, c.EndedBy, c.Code)));
        Assert.Equal(T0.AddSeconds(30), ended.Single(c => c.CallId == leased.CallId).EndedAt);  // the lease
        Assert.Equal(T0.AddSeconds(50), ended.Single(c => c.CallId == written.CallId).EndedAt); // the later write
        var found = restarted.Find(leased.CallId)!;
        Assert.Equal((CallState.Ended, T0.AddSeconds(30), "service_restart by system"),
            (found.Transitions[^1].State, found.Transitions[^1].At, found.Transitions[^1].Detail));
        Assert.Equal(CallState.Ringing, restarted.Find(elsewhere.CallId)!.State); // another node's call is untouched
        Assert.True(other.Save(Create(Ringing(Id("u"), bob, carol, T0.AddHours(1))))); // both parties free again
        Assert.Empty(restarted.EndUnfinished(nodeA, T0.AddHours(2)));
    }

    [Fact]
    public void EndUnfinished_NeverEndsACallAfterNow()
    {
        var node = Id("node");
        var store = OpenStore(node);
        var call = Ringing(Id("n"), Id("alice"), Id("bob"), T0);
        Assert.True(store.Save(Create(call)));
        store.RenewLease(node, T0.AddMinutes(5));

        var ended = Assert.Single(store.EndUnfinished(node, T0.AddMinutes(1)));
        Assert.Equal(T0.AddMinutes(1), ended.EndedAt);
    }

    [Fact]
    public void Lease_IsRenewed_ReadFromAnotherNode_AndNeverMovesBack()
    {
        var node = Id("node");
        var store = OpenStore(node);
        Assert.Null(store.LeaseOf(node));
        store.RenewLease(node, T0.AddSeconds(10));
        store.RenewLease(node, T0.AddSeconds(11));
        store.RenewLease(node, T0.AddSeconds(5)); // late and older: ignored
        Assert.Equal(T0.AddSeconds(11), OpenStore("node-b").LeaseOf(node));
        Assert.Null(store.LeaseOf(Id("node")));
    }
}

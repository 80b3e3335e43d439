using CallService.Calls;
using CallService.Storage;
using CallService.Webhooks;

namespace CallService.Tests.Storage;

/// <summary>The contract's takeover part: a lost node's calls end <c>node_lost</c>, once, by a node that is alive.</summary>
public abstract partial class CallStoreNodeContractTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);

    /// <summary>call.ended to both parties of <paramref name="call"/>, numbered from <paramref name="store"/>.</summary>
    private static IReadOnlyList<StoredEvent> EndedEvents(ICallStore store, CallSnapshot call, DateTimeOffset at)
    {
        var seq = store.ReserveEventSeqs(2);
        return
        [
            new StoredEvent(seq, call.CallerUserId, call.CallId, "call.ended", at, "{\"type\":\"call.ended\",\"a\":1}"u8.ToArray()),
            new StoredEvent(seq + 1, call.CalleeUserId, call.CallId, "call.ended", at, "{\"type\":\"call.ended\",\"b\":1}"u8.ToArray()),
        ];
    }

    private static NodeTakeover Takeover(ICallStore store, string lost, string by, DateTimeOffset now, params CallSnapshot[] calls) =>
        new(lost, by, now, now - Lease, calls.ToDictionary(c => c.CallId, c => EndedEvents(store, c, now)));

    private static IReadOnlyList<OutboxMessage> Hook(CallSnapshot call) =>
        [new OutboxMessage("msg_" + call.CallId, "http://127.0.0.1:9/hooks", "call.ended", call.CallId, call.EndedAt!.Value,
            $"{{\"endReason\":\"{call.EndReason?.ToWire()}\",\"endedAt\":\"{call.EndedAt:O}\"}}")];

    [Fact]
    public void LostNodes_AreTheOtherNodesWithOpenCallsAndAnOldLease_SeenOnlyByANodeThatIsAlive()
    {
        var (lost, alive, quiet, me) = (Id("lost"), Id("alive"), Id("quiet"), Id("me"));
        var store = OpenStore(lost);
        var now = T0.AddMinutes(10);
        var open = Ringing(Id("l"), Id("alice"), Id("bob"), T0);
        Assert.True(store.Save(Create(open)));
        store.RenewLease(lost, now - Lease - TimeSpan.FromSeconds(1));
        var other = OpenStore(alive);
        Assert.True(other.Save(Create(Ringing(Id("l"), Id("carol"), Id("dave"), T0))));
        other.RenewLease(alive, now - TimeSpan.FromSeconds(1));
        var q = OpenStore(quiet); // lease as old, but its only call ended
        var done = Ringing(Id("l"), Id("erin"), Id("frank"), T0);
        Assert.True(q.Save(Create(done)));
        Assert.True(q.Save(End(done, T0.AddSeconds(5))));
        q.RenewLease(quiet, T0);
        var mine = OpenStore(me);
        Assert.True(mine.Save(Create(Ringing(Id("l"), Id("gina"), Id("hal"), T0)))); // its own calls are never "lost"

        Assert.DoesNotContain(mine.LostNodes(me, now - Lease, 10), n => n.NodeId == lost); // not alive itself: sees none
        mine.RenewLease(me, now);
        var found = mine.LostNodes(me, now - Lease, 10).Where(n => n.NodeId is var id && (id == lost || id == alive || id == quiet || id == me)).ToList();

        var node = Assert.Single(found);
        Assert.Equal((lost, now - Lease - TimeSpan.FromSeconds(1)), (node.NodeId, node.RenewedAt));
        Assert.Equal([open.CallId], node.OpenCalls.Select(c => c.CallId));
        Assert.Equal(CallState.Ringing, node.OpenCalls[0].State);
    }

    [Fact]
    public void EndLostCalls_EndsTheNamedCalls_NodeLost_AtTheLastKnownAliveTime_WithEventsAndWebhooks()
    {
        var (lost, taker) = (Id("lost"), Id("taker"));
        var a = OpenStore(lost);
        var (alice, bob, carol, dave) = (Id("alice"), Id("bob"), Id("carol"), Id("dave"));
        var leased = Ringing(Id("t"), alice, bob, T0);
        var written = Ringing(Id("t"), carol, dave, T0);
        var later = Ringing(Id("t"), Id("erin"), Id("frank"), T0);
        Assert.True(a.Save(Create(leased)));
        Assert.True(a.Save(Create(written)));
        Assert.True(a.Save(Create(later)));
        var connected = written with { State = CallState.Connected, AcceptedAt = T0.AddSeconds(2), ConnectedAt = T0.AddSeconds(4) };
        Assert.True(a.Save(new CallWrite(connected, [], [], T0.AddSeconds(50)))); // its last write: known alive at T0+50 s
        a.RenewLease(lost, T0.AddSeconds(30));
        var b = OpenStore(taker);
        var now = T0.AddMinutes(5);
        b.RenewLease(taker, now);

        var takeover = Takeover(b, lost, taker, now, leased, written); // "later" is not named: left for the next round
        var ended = b.EndLostCalls(takeover, Hook);

        Assert.Equal(new[] { leased.CallId, written.CallId }.Order(StringComparer.Ordinal), ended.Select(c => c.CallId).Order(StringComparer.Ordinal));
        Assert.All(ended, c => Assert.Equal((CallState.Ended, EndReason.NodeLost, Ender.System, (int?)null), (c.State, c.EndReason, c.EndedBy, c.Code)));
        Assert.Equal(T0.AddSeconds(30), ended.Single(c => c.CallId == leased.CallId).EndedAt);  // the lost node's last renewal
        Assert.Equal(T0.AddSeconds(50), ended.Single(c => c.CallId == written.CallId).EndedAt); // the call's later write
        var found = OpenStore("node-reader").Find(leased.CallId)!;
        Assert.Equal((CallState.Ended, EndReason.NodeLost, T0.AddSeconds(30), "node_lost by system"),
            (found.State, found.EndReason, found.Transitions[^1].At, found.Transitions[^1].Detail));
        Assert.Equal(CallState.Ringing, b.Find(later.CallId)!.State);

        // Both parties' call.ended are in the event log; the webhook rows are in the outbox, with the ending's values.
        var events = takeover.Events[leased.CallId];
        Assert.Equal([events[0].Seq], b.EventsOf(alice, events[0].Seq - 1, long.MaxValue, DateTimeOffset.MinValue).Select(e => e.Seq));
        Assert.Equal(["call.ended"], b.EventsOf(bob, 0, long.MaxValue, DateTimeOffset.MinValue).Select(e => e.Type));
        var hooks = b.WebhookDeliveries(null, null, 1000).Where(d => d.Message.CallId == leased.CallId || d.Message.CallId == written.CallId).ToList();
        Assert.Equal(2, hooks.Count);
        Assert.All(hooks, h => Assert.Equal((WebhookStatus.Pending, "call.ended"), (h.Status, h.Message.Type)));
        Assert.Contains("\"endReason\":\"node_lost\"", hooks.Single(h => h.Message.CallId == leased.CallId).Message.Body);

        // Both parties are free again; a second takeover of the same calls ends nothing and writes nothing.
        Assert.True(b.Save(Create(Ringing(Id("t"), bob, carol, now))));
        var again = Takeover(b, lost, taker, now.AddSeconds(1), leased, written);
        Assert.Empty(b.EndLostCalls(again, Hook));
        Assert.Empty(b.EventsOf(alice, events[0].Seq, long.MaxValue, DateTimeOffset.MinValue));
        // The lost node, restarted with the same id, finds only the call nobody ended.
        Assert.Equal([later.CallId], OpenStore(lost).EndUnfinished(lost, now.AddMinutes(1)).Select(c => c.CallId));
    }

    [Fact]
    public void ALostNodeThatComesBack_CannotChangeTheCallsTakenOver()
    {
        var (lost, taker) = (Id("lost"), Id("taker"));
        var a = OpenStore(lost);
        var call = Ringing(Id("t"), Id("alice"), Id("bob"), T0);
        Assert.True(a.Save(Create(call)));
        a.RenewLease(lost, T0.AddSeconds(1));
        var b = OpenStore(taker);
        var now = T0.AddMinutes(5);
        b.RenewLease(taker, now);
        Assert.Single(b.EndLostCalls(Takeover(b, lost, taker, now, call), Hook));

        // The lost node still holds the call in memory: its later writes (connected, then its own ending) change nothing.
        var connected = call with { State = CallState.Connected, AcceptedAt = now.AddSeconds(1), ConnectedAt = now.AddSeconds(2) };
        a.Save(new CallWrite(connected, [], [], now.AddSeconds(2)));
        a.Save(End(connected, now.AddSeconds(3)));

        var found = OpenStore("node-reader").Find(call.CallId)!;
        Assert.Equal((CallState.Ended, EndReason.NodeLost, Ender.System, (DateTimeOffset?)T0.AddSeconds(1)),
            (found.State, found.EndReason, found.EndedBy, found.EndedAt));
    }

    [Fact]
    public void EndLostCalls_EndsNothing_WhenTheNodeIsAlive_OrTheTakerIsNot_AndNeverTakesOverItself()
    {
        var (node, taker) = (Id("node"), Id("taker"));
        var a = OpenStore(node);
        var call = Ringing(Id("n"), Id("alice"), Id("bob"), T0);
        Assert.True(a.Save(Create(call)));
        var now = T0.AddMinutes(1);
        a.RenewLease(node, now - TimeSpan.FromSeconds(2)); // renewed within the lease: alive
        var b = OpenStore(taker);
        b.RenewLease(taker, now);
        Assert.Empty(b.EndLostCalls(Takeover(b, node, taker, now, call)));

        var later = now.AddMinutes(1); // the node's lease ran out, but so did the taker's
        Assert.Empty(b.EndLostCalls(Takeover(b, node, taker, later, call)));
        Assert.Throws<ArgumentException>(() => a.EndLostCalls(Takeover(a, node, node, later, call)));
        Assert.Equal(CallState.Ringing, b.Find(call.CallId)!.State);

        b.RenewLease(taker, later);
        Assert.Equal(EndReason.NodeLost, Assert.Single(b.EndLostCalls(Takeover(b, node, taker, later, call))).EndReason);
    }

    [Fact]
    public async Task EndLostCalls_TwoNodesTakingOverAtOnce_EndEachCallOnce_20Times()
    {
        var (b, c) = (OpenStore("taker-b"), OpenStore("taker-c"));
        for (var race = 0; race < 20; race++)
        {
            var lost = Id("lost");
            var a = OpenStore(lost);
            var calls = Enumerable.Range(0, 3).Select(_ => Ringing(Id("r"), Id("x"), Id("y"), T0)).ToArray();
            foreach (var call in calls) Assert.True(a.Save(Create(call)));
            a.RenewLease(lost, T0);
            var now = T0.AddMinutes(1);
            b.RenewLease("taker-b", now);
            c.RenewLease("taker-c", now);
            var takers = new[] { (Store: b, Id: "taker-b"), (Store: c, Id: "taker-c") };
            var takeovers = takers.Select(t => Takeover(t.Store, lost, t.Id, now, calls)).ToArray();

            using var start = new Barrier(2);
            var results = await Task.WhenAll(Enumerable.Range(0, 2).Select(i => Task.Run(() =>
            {
                start.SignalAndWait(TimeSpan.FromSeconds(30));
                return takers[i].Store.EndLostCalls(takeovers[i], Hook);
            })));

            Assert.Equal(calls.Select(x => x.CallId).Order(StringComparer.Ordinal),
                results.SelectMany(r => r).Select(x => x.CallId).Order(StringComparer.Ordinal)); // each call once, in all
            foreach (var call in calls)
            {
                var events = b.EventsOf(call.CallerUserId, 0, long.MaxValue, DateTimeOffset.MinValue);
                Assert.Single(events); // one call.ended, from the node that ended it
                Assert.Single(b.Find(call.CallId)!.Transitions, t => t.State == CallState.Ended);
            }
            Assert.Equal(3, b.WebhookDeliveries(null, null, 1000).Count(d => calls.Any(x => x.CallId == d.Message.CallId)));
        }
    }
}

using CallContracts.Calls;
using CallService.Calls;
using CallService.Storage;
using CallService.Tests.Support;

namespace CallService.Tests.Storage;

/// <summary>
/// Changes of a call whose row exists (<see cref="CallWrite.Stored"/>: what the coordinator sends after a call's first
/// committed write), through the awaited group-commit path, on both providers.
/// </summary>
public abstract partial class CallStoreContractTests
{
    [Fact]
    public async Task StoredWrites_UpdateTheChangingColumns_AddTransitionsAndEvents_AndFreeThePartiesOnceEnded()
    {
        var store = Store();
        var live = Live("s1", "alice", "bob");
        Assert.True(await store.SaveAsync(new CallWrite(live, live.Transitions, [], T0, ClaimParties: true)));

        var warned = live with { BIssued = false, WarningsA = new Dictionary<int, int> { [1] = 2 } };
        Assert.True(await store.SaveAsync(new CallWrite(warned, [], [], T0.AddSeconds(1)) { Stored = true }));
        var found = store.Find("s1")!;
        Assert.Equal((CallState.Accepted, true, false, 2), (found.State, found.AIssued, found.BIssued, found.WarningsA[1]));

        var media = new PartyMediaQuality(3, 800, 900, 64, 64, 30, 1280, 720, 0, 0, 0, 0);
        var ended = Ended(warned, T0.AddSeconds(9)) with { Code = 4, MediaA = media };
        var seq = store.ReserveEventSeqs(1);
        StoredEvent[] events = [Event(seq, "bob", "s1", T0.AddSeconds(9))];
        Assert.True(await store.SaveAsync(new CallWrite(ended, [ended.Transitions[^1]], events, T0.AddSeconds(9)) { Stored = true }));

        found = store.Find("s1")!;
        Assert.Equal(
            (CallState.Ended, EndReason.Hangup, Ender.A, (int?)4, (DateTimeOffset?)T0.AddSeconds(9), (DateTimeOffset?)T0, 2),
            (found.State, found.EndReason, found.EndedBy, found.Code, found.EndedAt, found.AcceptedAt, found.WarningsA[1]));
        Assert.Equal(("general", "alice", "bob", T0, CoordinatorRig.DefaultTimers),
            (found.Scenario, found.CallerUserId, found.CalleeUserId, found.CreatedAt, found.Timers)); // not rewritten
        Assert.Equal(media, found.MediaA);
        Assert.Equal([CallState.Accepted, CallState.Ended], found.Transitions.Select(t => t.State));
        Assert.Equal([seq], store.EventsOf("bob", 0, long.MaxValue, T0).Select(e => e.Seq));
        Assert.True(Create(store, Live("s2", "bob", "alice"))); // the ended call freed both parties
    }

    [Fact]
    public async Task StoredWrite_OfACallEndedElsewhere_KeepsThatEnding()
    {
        var store = Store();
        var live = Live("s1");
        Assert.True(Create(store, live));
        EndElsewhere(store, live);

        // The node that held the call comes back and writes a change of its stale, live copy.
        var stale = live with { WarningsB = new Dictionary<int, int> { [2] = 1 } };
        await store.SaveAsync(new CallWrite(stale, [], [], T0.AddSeconds(4)) { Stored = true });

        var found = store.Find("s1")!;
        Assert.Equal((CallState.Ended, EndReason.NodeLost, 0), (found.State, found.EndReason, found.WarningsB.Count));
    }

    [Theory]
    [InlineData(true)]  // the update of a stored row
    [InlineData(false)] // the upsert of a first write
    public async Task IgnoredWrite_OfACallEndedElsewhere_AddsNoTransitions(bool stored)
    {
        var store = Store();
        var live = Live("s1");
        Assert.True(Create(store, live));
        EndElsewhere(store, live);

        // The node that held the call comes back, connects and hangs up its stale copy: the row's guard ignores both.
        var connected = live with { State = CallState.Connected, ConnectedAt = T0.AddSeconds(4) };
        await store.SaveAsync(new CallWrite(connected, [new CallTransition(CallState.Connected, T0.AddSeconds(4), "connected (client)")], [],
            T0.AddSeconds(4)) { Stored = stored });
        var hungUp = Ended(connected, T0.AddSeconds(5));
        await store.SaveAsync(new CallWrite(hungUp, [hungUp.Transitions[^1]], [], T0.AddSeconds(5)) { Stored = stored });

        var found = store.Find("s1")!;
        Assert.Equal((CallState.Ended, EndReason.NodeLost), (found.State, found.EndReason));
        Assert.Equal([(CallState.Accepted, T0, "created direct"), (CallState.Ended, T0.AddSeconds(3), "node_lost by system")],
            found.Transitions.Select(t => (t.State, t.At, t.Detail)));
    }

    /// <summary>Another node's takeover ends <paramref name="live"/> at T0 + 3 s (<c>node_lost by system</c>).</summary>
    private static void EndElsewhere(ICallStore store, CallSnapshot live)
    {
        var lost = live with
        {
            State = CallState.Ended, EndedAt = T0.AddSeconds(3), EndReason = EndReason.NodeLost, EndedBy = Ender.System,
        };
        Assert.True(store.Save(new CallWrite(lost, [new CallTransition(CallState.Ended, T0.AddSeconds(3), "node_lost by system")], [], T0.AddSeconds(3))));
    }
}

using CallService.Calls;
using CallService.Storage;

namespace CallService.Tests.Storage;

/// <summary>Concurrent writes from thread-pool threads (both providers).</summary>
public abstract partial class CallStoreContractTests
{
    /// <summary>Concurrent lifecycles (create, then end with a webhook row): more than the thread pool's threads.</summary>
    private const int ConcurrentCalls = 200;

    /// <summary>
    /// A request thread blocks until its group commit is done, so the store's write must never need a thread-pool
    /// thread: with every pool thread waiting (the pool's minimum left at its default), a write that waits for one
    /// (Npgsql writes a synchronous multi-statement batch on a pool task) completes only as the pool slowly adds
    /// threads, at ~2 per second. The bound below only keeps a hang from blocking the run.
    /// </summary>
    [Fact]
    public async Task ConcurrentSaves_FromBlockedPoolThreads_AllComplete()
    {
        var store = Store();
        using var start = new ManualResetEventSlim();
        var saves = Enumerable.Range(0, ConcurrentCalls).Select(i => Task.Run(() =>
        {
            start.Wait();
            var live = Live($"p{i}", $"caller{i}", $"callee{i}");
            var created = Create(store, live);
            var ended = Ended(live, T0.AddSeconds(5));
            var saved = store.Save(new CallWrite(ended, [ended.Transitions[^1]], [], ended.EndedAt!.Value)
            {
                Webhooks = [Hook(live.CallId, "call.ended")],
            });
            return created && saved;
        })).ToArray();
        start.Set();

        var all = await Task.WhenAll(saves).WaitAsync(TimeSpan.FromSeconds(60)); // TimeoutException: they did not complete
        Assert.All(all, Assert.True);
        for (var i = 0; i < ConcurrentCalls; i++)
        {
            var found = store.Find($"p{i}")!;
            Assert.Equal([CallState.Accepted, CallState.Ended], found.Transitions.Select(t => t.State));
        }
        Assert.Equal(ConcurrentCalls, store.ClaimWebhooks("n1", T0.AddSeconds(5), Lease, 1000).Count);
    }

    /// <summary>
    /// The coordinator's path: awaited saves, many in flight at once, so the store's writer takes them in batches (on
    /// PostgreSQL: the claims in one round trip, the changes in another). Two creates that share a callee: exactly one
    /// wins the busy rule, whichever batch each lands in; every winner's later ending (with its webhook row) is written.
    /// </summary>
    [Fact]
    public async Task ConcurrentAsyncSaves_KeepTheBusyRule_AndEveryWrite()
    {
        var store = Store();
        var lives = Enumerable.Range(0, ConcurrentCalls).Select(i => Live($"q{i}", $"caller{i}", $"callee{i / 2}")).ToList();

        var won = await Task.WhenAll(lives.Select(l => store.SaveAsync(new CallWrite(l, l.Transitions, [], T0, ClaimParties: true)).AsTask()))
            .WaitAsync(TimeSpan.FromSeconds(60));
        for (var i = 0; i < ConcurrentCalls; i += 2) Assert.True(won[i] ^ won[i + 1], $"callee{i / 2}: exactly one create wins");

        var winners = lives.Where((_, i) => won[i]).ToList();
        var endings = await Task.WhenAll(winners.Select(l =>
        {
            var ended = Ended(l, T0.AddSeconds(5));
            return store.SaveAsync(new CallWrite(ended, [ended.Transitions[^1]], [], ended.EndedAt!.Value)
            {
                Webhooks = [Hook(l.CallId, "call.ended")],
            }).AsTask();
        })).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.All(endings, Assert.True);
        foreach (var l in winners) Assert.Equal(CallState.Ended, store.Find(l.CallId)!.State);
        foreach (var (l, i) in lives.Select((l, i) => (l, i)).Where(x => !won[x.i])) Assert.Null(store.Find(l.CallId));
        Assert.Equal(winners.Count, store.ClaimWebhooks("n1", T0.AddSeconds(5), Lease, 1000).Count);
        // The callees are free again: a new create for each wins.
        Assert.True(await store.SaveAsync(new CallWrite(Live("again", "someone", "callee0"), Live("again").Transitions, [], T0, ClaimParties: true)));
    }

    /// <summary>
    /// A create of a busy party queued with many other writes (on PostgreSQL a batch first goes in one round trip with
    /// claims that must all win; a lost claim rolls it back and the batch is written again, claims first): only that
    /// create loses and writes nothing (no row, no webhook row); every other write of the batch is written once.
    /// </summary>
    [Fact]
    public async Task ConcurrentAsyncSaves_WithOneCreateOfABusyParty_OnlyThatCreateLoses()
    {
        var store = Store();
        Assert.True(await store.SaveAsync(new CallWrite(Live("held", "holder", "busy-user"), Live("held").Transitions, [], T0, ClaimParties: true)));
        var lives = Enumerable.Range(0, 50).Select(i => Live($"r{i}", $"r-caller{i}", $"r-callee{i}")).ToList();
        lives.Insert(25, Live("lost", "someone-else", "busy-user"));

        var won = await Task.WhenAll(lives.Select(l => store.SaveAsync(new CallWrite(l, l.Transitions, [], T0, ClaimParties: true)
        {
            Webhooks = [Hook(l.CallId, "call.created")],
        }).AsTask())).WaitAsync(TimeSpan.FromSeconds(60));

        for (var i = 0; i < lives.Count; i++) Assert.Equal(lives[i].CallId != "lost", won[i]);
        Assert.Null(store.Find("lost"));
        foreach (var l in lives.Where(l => l.CallId != "lost")) Assert.Equal(CallState.Accepted, store.Find(l.CallId)!.State);
        Assert.Equal(50, store.ClaimWebhooks("n1", T0.AddSeconds(5), Lease, 1000).Count);
        // The loser claimed nothing: its caller is free.
        Assert.True(await store.SaveAsync(new CallWrite(Live("free", "someone-else", "third"), Live("free").Transitions, [], T0, ClaimParties: true)));
    }
}

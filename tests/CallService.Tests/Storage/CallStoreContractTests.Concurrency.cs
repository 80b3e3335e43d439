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
}

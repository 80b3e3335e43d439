using CallService.Storage;

namespace CallService.Tests.Storage;

/// <summary>The batching half of the group commit: every write runs once, in some batch, and its caller gets its own outcome.</summary>
public sealed class GroupCommitQueueTests
{
    [Fact]
    public async Task ConcurrentWrites_EachRunOnce_AndCallersReturnOnlyAfterTheirBatch()
    {
        var written = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        var batches = 0;
        var queue = new GroupCommitQueue<Action>(batch =>
        {
            Interlocked.Increment(ref batches);
            Thread.Sleep(2); // a commit takes time, so writes pile up behind it
            foreach (var p in batch) p.Write();
        }, "test");

        var callers = Enumerable.Range(0, 64).Select(i => Task.Run(() =>
        {
            queue.Run(() => written.AddOrUpdate(i, 1, (_, n) => n + 1));
            Assert.True(written.ContainsKey(i), "returned before its write ran");
        })).ToArray();
        await Task.WhenAll(callers).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(64, written.Count);
        Assert.All(written.Values, n => Assert.Equal(1, n));
        Assert.InRange(batches, 1, 64);
    }

    [Fact]
    public async Task AFailedWrite_FailsOnlyItsCaller_AndTheQueueGoesOn()
    {
        var queue = new GroupCommitQueue<Func<bool>>(batch =>
        {
            foreach (var p in batch)
                if (!p.Write()) p.Error = new InvalidOperationException("rejected");
        }, "test");

        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() =>
        {
            try
            {
                queue.Run(() => i % 5 != 0);
                return "ok";
            }
            catch (InvalidOperationException e)
            {
                return e.Message;
            }
        }))).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(8, results.Count(r => r == "rejected"));
        Assert.Equal(32, results.Count(r => r == "ok"));
        queue.Run(() => true); // not stuck in "writing"
    }

    [Fact]
    public void AThrowingBatch_FailsEveryWriteWithoutAnError()
    {
        var queue = new GroupCommitQueue<Action>(_ => throw new IOException("disk"), "test");
        var error = Assert.Throws<IOException>(() => queue.Run(() => { }));
        Assert.Equal("disk", error.Message);
        Assert.Throws<IOException>(() => queue.Run(() => { })); // the next caller leads again
    }
}

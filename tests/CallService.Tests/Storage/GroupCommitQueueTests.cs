using CallService.Storage;

namespace CallService.Tests.Storage;

/// <summary>The queue of the group commit: writes come out in order, in bounded batches, and each caller gets its own outcome.</summary>
public sealed class GroupCommitQueueTests
{
    [Fact]
    public async Task Take_ReturnsEverythingQueued_InOrder_UpToTheBound()
    {
        var queue = new GroupCommitQueue<int>("test");
        var tasks = Enumerable.Range(0, GroupCommitQueue<int>.MaxBatch + 10).Select(queue.Enqueue).ToList();

        var first = queue.Take()!;
        var second = await queue.TakeAsync();

        Assert.Equal(Enumerable.Range(0, GroupCommitQueue<int>.MaxBatch), first.Select(p => p.Write));
        Assert.Equal(Enumerable.Range(GroupCommitQueue<int>.MaxBatch, 10), second!.Select(p => p.Write));
        Assert.All(tasks, t => Assert.False(t.IsCompleted)); // nothing completes before its batch is written
        queue.Complete(first);
        queue.Complete(second!);
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Complete_GivesEachWriteItsOwnError_OrTheBatchError()
    {
        var queue = new GroupCommitQueue<int>("test");
        var tasks = Enumerable.Range(0, 3).Select(queue.Enqueue).ToList();
        var batch = queue.Take()!;
        batch[1].Error = new InvalidOperationException("own");

        queue.Complete(batch, new IOException("batch"));

        Assert.Equal("batch", (await Assert.ThrowsAsync<IOException>(() => tasks[0])).Message);
        Assert.Equal("own", (await Assert.ThrowsAsync<InvalidOperationException>(() => tasks[1])).Message);
        Assert.Equal("batch", (await Assert.ThrowsAsync<IOException>(() => tasks[2])).Message);
    }

    [Fact]
    public async Task Stop_DrainsWhatIsQueued_ThenEndsTheWriter_AndRefusesNewWrites()
    {
        var queue = new GroupCommitQueue<int>("test");
        var queued = queue.Enqueue(7);
        queue.Stop();

        var last = queue.Take()!;
        Assert.Equal([7], last.Select(p => p.Write));
        queue.Complete(last);
        await queued;
        Assert.Null(queue.Take());
        Assert.Null(await queue.TakeAsync());
        Assert.Throws<ObjectDisposedException>(() => { _ = queue.Enqueue(8); });
    }

    [Fact]
    public async Task TakeAsync_WaitsForTheFirstWrite()
    {
        var queue = new GroupCommitQueue<int>("test");
        var take = queue.TakeAsync().AsTask();
        Assert.False(take.IsCompleted);

        _ = queue.Enqueue(1);

        Assert.Equal([1], (await take.WaitAsync(TimeSpan.FromSeconds(10)))!.Select(p => p.Write));
    }
}

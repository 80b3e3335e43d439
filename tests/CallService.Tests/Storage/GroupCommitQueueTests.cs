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

    [Fact]
    public async Task Inline_OnlyWhileTheWriterSleepsOnAnEmptyQueue_AndWritesQueuedMeanwhileComeAfterIt()
    {
        var queue = new GroupCommitQueue<int>("test");
        Assert.False(queue.TryBeginInline()); // no writer thread asleep on the queue yet

        var taken = new TaskCompletionSource<List<GroupCommitQueue<int>.Pending>?>();
        var writer = new Thread(() => taken.SetResult(queue.Take())) { IsBackground = true };
        writer.Start();
        var inline = false;
        for (var i = 0; i < 1000 && !inline; i++) // until the writer thread sleeps in Take (hang guard: 10 s)
        {
            inline = queue.TryBeginInline();
            if (!inline) Thread.Sleep(10);
        }
        Assert.True(inline);
        Assert.False(queue.TryBeginInline()); // one inline writer at a time

        var queued = queue.Enqueue(5);
        Assert.False(queue.TryBeginInline()); // something is queued
        await Task.Delay(100);
        Assert.False(taken.Task.IsCompleted); // the writer does not take it while the inline write runs

        queue.EndInline();
        var batch = (await taken.Task.WaitAsync(TimeSpan.FromSeconds(10)))!;
        Assert.Equal([5], batch.Select(p => p.Write));
        batch[0].Value = false;
        queue.Complete(batch);
        Assert.False(await queued); // the write's answer is its task's value
    }
}

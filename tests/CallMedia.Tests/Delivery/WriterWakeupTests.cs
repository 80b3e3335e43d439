using CallMedia.Delivery;
using CallMedia.Media;

namespace CallMedia.Tests.Delivery;

/// <summary>
/// The writer's wake-up: an inline wake runs the waiting writer's continuation on the waking thread before it returns
/// (the publisher's thread sends); a queued one does not; a wake with no waiter is kept for the next wait.
/// </summary>
public sealed class WriterWakeupTests
{
    private static async Task WaitThen(WriterWakeup wakeup, Action after, CancellationToken cancellationToken = default)
    {
        await wakeup.WaitAsync(cancellationToken).ConfigureAwait(false);
        after();
    }

    [Fact]
    public void InlineWake_RunsTheWaitingWriterOnTheWakingThread()
    {
        var wakeup = new WriterWakeup();
        int? ranOn = null;
        var waiting = WaitThen(wakeup, () => ranOn = Environment.CurrentManagedThreadId);
        Assert.False(waiting.IsCompleted);

        wakeup.Wake(inline: true);

        Assert.Equal(Environment.CurrentManagedThreadId, ranOn);
        Assert.True(waiting.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task QueuedWake_RunsTheWriterOnTheThreadPool()
    {
        var wakeup = new WriterWakeup();
        var ranOnPool = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var waiting = WaitThen(wakeup, () => ranOnPool.SetResult(Thread.CurrentThread.IsThreadPoolThread));

        wakeup.Wake(inline: false);

        Assert.True(await ranOnPool.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        await waiting;
    }

    [Fact]
    public void WakeWithoutWaiter_IsKeptForTheNextWaitOnce()
    {
        var wakeup = new WriterWakeup();
        wakeup.Wake(inline: true);
        wakeup.Wake(inline: false);

        Assert.True(wakeup.WaitAsync(CancellationToken.None).IsCompleted);
        Assert.False(wakeup.WaitAsync(CancellationToken.None).IsCompleted); // two wakes before a wait are one
    }

    [Fact]
    public async Task Cancellation_WakesTheWriter()
    {
        var wakeup = new WriterWakeup();
        using var cts = new CancellationTokenSource();
        var woke = false;
        var waiting = WaitThen(wakeup, () => woke = true, cts.Token);
        Assert.False(waiting.IsCompleted);

        await cts.CancelAsync();

        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(woke);
    }

    [Fact]
    public void OfferWithWakeLater_WakesOnlyWhenTheCallerSays_AndThenInline()
    {
        var queue = new ViewerQueue(new DropLimits(250, 375, 500, 3000, 1 << 20));
        queue.StartNow();
        Assert.Null(queue.TryReady()); // nothing queued: the writer waits for a wake-up
        int? wokeOn = null;
        Assert.True(queue.WaitForWakeThen(CancellationToken.None, _ => wokeOn = Environment.CurrentManagedThreadId, null));

        var payload = MediaBuffer.Rent(10);
        Assert.Equal(OfferResult.Queued, queue.Offer(new MediaPacket(FrameClass.Audio, 0, payload), wakeLater: true));
        payload.Release();
        Assert.Null(wokeOn); // the fan-out still holds the stream's lock: no wake yet

        queue.WakeWriter(inline: true);

        Assert.Equal(Environment.CurrentManagedThreadId, wokeOn); // ran before WakeWriter returned, on this thread
        Assert.True(queue.TryReady());
        queue.Clear();
        Assert.False(queue.TryReady()); // cleared: completed and empty, the writer ends
    }
}

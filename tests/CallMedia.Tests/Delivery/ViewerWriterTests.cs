using CallMedia.Delivery;
using CallMedia.Delivery.Framing;
using CallMedia.Media;
using CallMedia.Relay;

namespace CallMedia.Tests.Delivery;

/// <summary>
/// The viewer writer's wake-ups, without sockets (an ungated writer and a recording framing): an inline wake-up writes on
/// the waking thread and leaves the writer waiting again; a send that does not complete at once is awaited by
/// <see cref="ViewerWriter.RunAsync"/>, after which inline wake-ups write on the waking thread again; completion ends
/// the writer, cancellation fails it.
/// </summary>
public sealed class ViewerWriterTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>Whole messages; records each flush (thread, bytes); a flush completes at once unless <see cref="NextFlush"/> is set.</summary>
    private sealed class RecordingFraming : IFraming
    {
        private int _pending;
        public List<(int Thread, int Bytes)> Flushes { get; } = new();
        public TaskCompletionSource<bool>? NextFlush { get; set; }
        public bool Disposed { get; private set; }
        public bool CanSplit => false;
        public bool HasPartial => false;
        public int PieceBytes => 0;
        public int PartialRemainingBytes => 0;
        public int PendingBytes => _pending;
        public void AdaptTo(int budgetBytes) { }
        public bool AnnounceAckWindow(int windowBytes) => false;
        public int Write(in DeliveryItem item) { _pending += item.Payload.Length; return item.Payload.Length; }
        public bool BeginPartial(in DeliveryItem item, int maxBytes) => throw new NotSupportedException();
        public int ContinuePartial(int maxBytes, out DeliveryItem? finished) => throw new NotSupportedException();

        public ValueTask<bool> FlushAsync(CancellationToken cancellationToken)
        {
            lock (Flushes)
                Flushes.Add((Environment.CurrentManagedThreadId, _pending));
            _pending = 0;
            var next = NextFlush;
            NextFlush = null;
            return next is null ? new ValueTask<bool>(true) : new ValueTask<bool>(next.Task);
        }

        public void Dispose() => Disposed = true;
    }

    private static (ViewerQueue Queue, RecordingFraming Framing, ViewerWriter Writer) Create()
    {
        var queue = new ViewerQueue(new DropLimits(250, 375, 500, 3000, 1 << 20));
        queue.StartNow();
        var framing = new RecordingFraming();
        return (queue, framing, new ViewerWriter(queue, new KernelBacklogGate(null, queue), framing));
    }

    /// <summary>Queues audio as the publisher's fan-out does (wake later), then wakes the writer inline.</summary>
    private static void Publish(ViewerQueue queue, uint timestamp, int bytes)
    {
        var payload = MediaBuffer.Rent(bytes);
        Assert.Equal(OfferResult.Queued, queue.Offer(new MediaPacket(FrameClass.Audio, timestamp, payload), wakeLater: true));
        payload.Release();
        queue.WakeWriter(inline: true);
    }

    [Fact]
    public async Task InlineWakeUps_WriteOnTheWakingThread_UntilTheQueueCompletes()
    {
        var (queue, framing, writer) = Create();
        var run = writer.RunAsync(CancellationToken.None);
        Assert.False(run.IsCompleted); // nothing queued: waits

        Publish(queue, 0, 100);
        Publish(queue, 20, 110);
        Publish(queue, 40, 120);

        var me = Environment.CurrentManagedThreadId;
        Assert.Equal([(me, 100), (me, 110), (me, 120)], framing.Flushes); // each written before WakeWriter returned
        Assert.False(run.IsCompleted);

        queue.Complete(DisconnectReason.Closed);
        await run.WaitAsync(Bound);
        Assert.True(framing.Disposed);
    }

    [Fact]
    public async Task SendNotTakenAtOnce_IsAwaited_ThenInlineWakeUpsWriteAgain()
    {
        var (queue, framing, writer) = Create();
        using var cts = new CancellationTokenSource();
        var run = writer.RunAsync(cts.Token);
        var send = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        framing.NextFlush = send;

        Publish(queue, 0, 100);   // its send stays pending
        Publish(queue, 20, 110);  // queued behind it: the writer is busy, not waiting
        Assert.Single(framing.Flushes);

        send.SetResult(true);     // the rest went out: the writer goes on and sends what was queued meanwhile
        var until = DateTime.UtcNow + Bound;
        while (framing.Flushes.Count < 2 && DateTime.UtcNow < until)
            await Task.Delay(5);
        lock (framing.Flushes)
            Assert.Equal(110, framing.Flushes[1].Bytes);

        // Once the writer waits again (it gets there on the thread that completed the send), wake-ups are inline again.
        var inline = false;
        for (var i = 0; i < 200 && !inline; i++)
        {
            Publish(queue, (uint)(40 + i * 20), 120);
            lock (framing.Flushes)
                inline = framing.Flushes[^1] == (Environment.CurrentManagedThreadId, 120);
            if (!inline)
                await Task.Delay(10);
        }
        Assert.True(inline);

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Bound));
        Assert.True(framing.Disposed);
        queue.Clear();
    }
}

using CallMedia.Delivery.Framing;

namespace CallMedia.Delivery;

internal sealed partial class ViewerWriter
{
    /// <summary>
    /// One wake-up's write: waits for room (<see cref="KernelBacklogGate"/>), frames queued audio first, then the rest in
    /// order as the room allows, sends it in one write, and polls shortly when a message was held back. False when the
    /// output closed. On the usual path (room, a send the kernel takes whole) it runs as a plain method and completes at
    /// once, without an async state machine; a wait for room, a send the kernel did not take whole or a poll continue in
    /// <see cref="IterateAsync"/> / <see cref="FinishAsync"/>. Errors come with the returned task (a cancellation as a
    /// faulted one, which the writer's awaits rethrow alike), not thrown.
    /// </summary>
    private ValueTask<bool> Iterate(CancellationToken cancellationToken)
    {
        try
        {
            var need = NextNeed();
            var wait = gate.WaitForRoomAsync(need, cancellationToken);
            if (!wait.IsCompletedSuccessfully)
                return IterateAsync(wait, need, cancellationToken);
            return Send(Frame(need, wait.Result), cancellationToken);
        }
        catch (Exception ex)
        {
            return ValueTask.FromException<bool>(ex);
        }
    }

    /// <summary><see cref="Iterate"/> once the wait for room did not complete at once.</summary>
    // Pooled state machines: no allocation when they suspend.
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> IterateAsync(ValueTask<(int Room, int Enough, int Budget, long Now)> wait, int need, CancellationToken cancellationToken) =>
        await Send(Frame(need, await wait.ConfigureAwait(false)), cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Sends what <see cref="Frame"/> framed and ends the wake-up's write: at once when the kernel takes it whole and
    /// nothing was held back (the batch released here), else through <see cref="FinishAsync"/>. Throws what the flush throws
    /// (the batch released first).
    /// </summary>
    private ValueTask<bool> Send((int Framed, bool HeldBack) framedNow, CancellationToken cancellationToken)
    {
        var (framed, heldBack) = framedNow;
        if (framed == 0)
            return FinishAsync(new(true), pollAfter: true, cancellationToken);
        ValueTask<bool> flush;
        try
        {
            flush = framing.FlushAsync(cancellationToken);
        }
        catch
        {
            ReleaseBatch();
            throw;
        }
        if (!flush.IsCompletedSuccessfully || heldBack)
            return FinishAsync(flush, heldBack, cancellationToken);
        ReleaseBatch();
        return new(flush.Result);
    }

    /// <summary>
    /// The end of a wake-up's write: awaits <paramref name="flush"/> (a completed <c>true</c> when nothing was framed), releases the
    /// batch, and when <paramref name="pollAfter"/> (a whole message waits for room, or nothing could go: an ordered item
    /// waits for room, no audio ahead of it) looks again shortly rather than spin. False when the output closed.
    /// </summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> FinishAsync(ValueTask<bool> flush, bool pollAfter, CancellationToken cancellationToken)
    {
        try
        {
            if (!await flush.ConfigureAwait(false))
                return false;
        }
        finally
        {
            ReleaseBatch();
        }
        if (pollAfter)
        {
            gate.LookNext = true;
            await Task.Delay(TimeSpan.FromMilliseconds(HeldBackPollMs), queue.Time, cancellationToken).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>
    /// Frames what this wake-up may send with the room the gate gave: queued audio first, whatever the room, then the
    /// items in order (when there is room and no message is being sent in parts) or the next part of the message in
    /// parts. Returns the bytes framed and whether a whole message was held back for room.
    /// </summary>
    private (int Framed, bool HeldBack) Frame(int need, (int Room, int Enough, int Budget, long Now) gateAnswer)
    {
        var (room, enough, budget, now) = gateAnswer;
        var batch = _batch;
        framing.AdaptTo(budget);
        // Acknowledgements at a small window while the budget is small bound the pipe (LinkEstimator.Acknowledgements).
        // The framing knows the window last framed, the connection's own included.
        var ackWindow = LinkEstimator.AckWindowFor(budget);
        if (framing.AnnounceAckWindow(ackWindow))
            queue.OnAckWindowAnnounced(ackWindow);
        // Audio first, whatever the room: queued audio overtakes queued video (and the rest of a video message
        // sent in parts); it is small, and on a slow link it is what must arrive on time. The items in order after it
        // (when there is room and no message is being sent in parts) come in the same lock round trip.
        var inOrder = need > 0 && room >= enough && !framing.HasPartial;
        var audio = queue.DrainForWrite(batch, MaxBatchBytes, inOrder ? Math.Min(Math.Max(room, 1), MaxBatchBytes) : 0, MaxBatchItems);
        for (var i = 0; i < audio; i++)
            framing.Write(batch[i]);
        var heldBack = false;
        if (inOrder)
            heldBack = WriteInOrder(batch, audio, room, enough); // frames the in-order items just taken
        else if (need > 0 && room >= enough)
        {
            framing.ContinuePartial(room, out var finished); // a message in parts (writing audio never starts one)
            if (finished is { } done)
                batch.Add(done);
        }
        var framed = framing.PendingBytes;
        queue.OnWritten(framed, now); // the wake-up's clock read (the gate's): framing does not wait
        queue.WriterPendingVideoBytes = framing.PartialRemainingBytes;
        return (framed, heldBack);
    }

    /// <summary>Room the next non-audio write needs: a piece (chunk) of the partial message, else the next item (at most a piece when it can be split).</summary>
    private int NextNeed()
    {
        if (framing.HasPartial)
            return Math.Min(framing.PartialRemainingBytes, framing.PieceBytes);
        var next = _nextNonAudioBytes; // from the TryReady that let this iteration run (no partial message then)
        // Whole messages: any room will do; one larger than the room is for the policy to decide (DecideWhole).
        return framing.CanSplit ? Math.Min(next, framing.PieceBytes) : Math.Min(next, 1);
    }

    /// <summary>
    /// Frames the items taken in order (<paramref name="batch"/> from <paramref name="first"/>). A video message larger
    /// than the room starts in parts (splitting framings) or, whole, goes, waits or is dropped as the policy says
    /// (<see cref="DropPolicy.DecideWhole"/>). Returns true when a message was held back.
    /// </summary>
    private bool WriteInOrder(List<DeliveryItem> batch, int first, int room, int enough)
    {
        for (var i = first; i < batch.Count; i++)
        {
            var item = batch[i];
            if (item.IsDroppableVideo && item.Payload.Length > Math.Max(room, framing.PieceBytes))
            {
                if (framing.CanSplit)
                {
                    if (room < Math.Min(enough, framing.PieceBytes))
                    {
                        queue.Requeue(batch, i); // no room for its first chunk after what went before it
                        return false;
                    }
                    var whole = framing.BeginPartial(item, room);
                    queue.Requeue(batch, i + 1);
                    if (!whole)
                        batch.RemoveAt(i); // the framing holds it until its last chunk is out
                    return false;
                }
                switch (queue.DecideWhole(item, room))
                {
                    case WholeMessageVerdict.Wait:
                        queue.Requeue(batch, i);
                        return true;
                    case WholeMessageVerdict.Drop:
                        queue.Requeue(batch, i + 1);
                        batch.RemoveAt(i);
                        item.Payload.Release();
                        queue.DropWholeVideo();
                        return false;
                }
            }
            room -= framing.Write(item);
        }
        return false;
    }
}

using System.Net.Sockets;

namespace CallMedia.Delivery;

/// <summary>
/// Lets the writer put into a viewer's pipe — the bytes written that the viewer has not read yet, in our kernel, on the
/// wire and in the peer's receive buffer — no more than the link estimate's budget
/// (<see cref="LinkEstimator.BudgetBytes"/>), audio apart: the rest waits in the viewer's queue, where the drop policy
/// sees it and audio overtakes video. Looks at the kernel (<see cref="KernelSendQueue.Look"/>, one <c>getsockopt</c>) at each
/// wake-up, except for a viewer that keeps up (budget ≥ 32 KiB, pipe under half of it); while the pipe is full, looks
/// again every 2–20 ms (its expected drain time). Blocked for 500 ms with nothing unsent in the kernel, it takes the
/// peer's unread estimate as stale, and a peer's RTMP acknowledgements as not following what it reads
/// (<see cref="LinkEstimator.ForgetPeerUnread"/>).
/// <para>
/// A viewer that keeps up is looked at only when a look can change a decision. Between looks the pipe's estimate is the
/// last look's plus every byte written since (nothing read), an upper bound: a look can only show more room, so while the
/// estimate leaves room for the write and at least half the budget, the write goes without one; a look is taken once
/// the estimate reaches half the budget (it may double the budget, <see cref="LinkEstimator.OnSample"/>). Only while a
/// read rate is known does the drop policy count the pipe (<see cref="DropPolicy.QueueMs"/>): then it is looked at
/// every 100 ms at least, so the backlog the policy sees is at most that old (an over-estimate of the pipe would drop
/// video a viewer has room for).
/// </para>
/// </summary>
internal sealed class KernelBacklogGate(Socket? socket, ViewerQueue queue)
{
    /// <summary>Room when the gate is inactive (publisher connections, sockets the kernel cannot be asked about).</summary>
    public const int UngatedBytes = 256 * 1024;

    // The estimate's budget rules (the large acknowledgement window, the doubling from a fast-path look) change at the same size.
    private const int FastBudgetBytes = LinkEstimator.LargeAckWindowBudgetBytes;
    private const int RefreshMs = 100;
    private const int MinPollMs = 2;
    private const int MaxPollMs = 20;
    private const int StuckMs = 500;
    private long _blockedSince = long.MaxValue;

    /// <summary>Gate the writer (set once the connection plays a stream).</summary>
    public bool Active { get; set; }

    /// <summary>Look at the kernel at the next wake-up whatever the estimate says (the writer holds a message back).</summary>
    public bool LookNext { get; set; }

    /// <summary>
    /// Waits until the pipe has room for <paramref name="needBytes"/> (the next non-audio piece) or audio is queued (audio
    /// goes out whatever the room); returns the room now and what is enough (<paramref name="needBytes"/>, or the budget
    /// when that is smaller: a piece larger than the budget goes once the pipe is empty). Room below it: audio ended the wait.
    /// <c>Now</c>: the clock's milliseconds (<see cref="ViewerQueue.NowMs"/>) as of the answer, for the write that follows.
    /// </summary>
    // Not async itself: the usual wake-up (room, or a look that finds room) completes without a state machine; only a
    // wait for room polls asynchronously.
    public ValueTask<(int Room, int Enough, int Budget, long Now)> WaitForRoomAsync(int needBytes, CancellationToken cancellationToken)
    {
        if (!Active || socket is null)
            return new((UngatedBytes, needBytes, UngatedBytes, queue.NowMs));
        var now = queue.NowMs; // one clock read for the estimate, the fast path's check and the look
        var (room, budget, readRate, lastLookAt, pipeCounted) = queue.LinkStateAt(now);
        needBytes = Math.Min(needBytes, budget); // a piece larger than the budget goes when the pipe is empty
        if (!LookNext && budget >= FastBudgetBytes && room >= budget / 2 && room >= needBytes
            && (!pipeCounted || now - lastLookAt < RefreshMs))
            return new((room, needBytes, budget, now));
        LookNext = false;
        var sample = KernelSendQueue.Look(socket, now);
        room = queue.OnLinkSample(sample, waiting: false);
        if (room < needBytes && _blockedSince == long.MaxValue)
            _blockedSince = sample.At;
        if (room < needBytes && !queue.HasAudioQueued)
            return PollForRoomAsync(needBytes, room, readRate, sample, cancellationToken);
        if (room >= needBytes)
            _blockedSince = long.MaxValue;
        return new((room, needBytes, queue.LinkStateAt(now).Budget, now));
    }

    /// <summary>The pipe is full: looks again every 2–20 ms until it has room, audio is queued, or the estimate is stale.</summary>
    // Pooled state machine: no allocation when it suspends.
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(int Room, int Enough, int Budget, long Now)> PollForRoomAsync(int needBytes, int room, double readRate,
        LinkSample sample, CancellationToken cancellationToken)
    {
        while (room < needBytes && !queue.HasAudioQueued)
        {
            var at = queue.NowMs;
            if (at - _blockedSince >= StuckMs && sample.NotSent == 0)
            {
                // Blocked for long with nothing unsent: the estimate of the peer's unread bytes is stale (or its
                // acknowledgements do not follow what it reads). A new stuck period starts if there is still no room.
                room = queue.ForgetPeerUnread();
                _blockedSince = at;
                break;
            }
            needBytes = Math.Min(needBytes, queue.LinkState.Budget);
            await Task.Delay(TimeSpan.FromMilliseconds(PollMs(needBytes - room, readRate)), queue.Time, cancellationToken).ConfigureAwait(false);
            sample = KernelSendQueue.Look(socket!, queue.NowMs);
            room = queue.OnLinkSample(sample, waiting: true);
            readRate = queue.LinkState.ReadBytesPerMs;
        }
        if (room >= needBytes)
            _blockedSince = long.MaxValue;
        var now = queue.NowMs;
        return (room, needBytes, queue.LinkStateAt(now).Budget, now);
    }

    /// <summary>Until the pipe should have room again: the missing bytes at the read rate, 2–20 ms (2 ms while unknown).</summary>
    public static int PollMs(int excessBytes, double readBytesPerMs) =>
        readBytesPerMs <= 0 ? MinPollMs : (int)Math.Clamp((excessBytes + 1) / readBytesPerMs, MinPollMs, MaxPollMs);
}

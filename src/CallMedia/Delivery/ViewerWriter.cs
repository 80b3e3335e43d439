using System.Threading.Tasks.Sources;
using CallMedia.Delivery.Framing;

namespace CallMedia.Delivery;

/// <summary>
/// The one delivery path of every connection that receives media (RTMP and HTTP-FLV viewers; RTMP publishers for
/// their command replies): <see cref="ViewerQueue"/> (audio-first <see cref="DropPolicy"/>) →
/// <see cref="KernelBacklogGate"/> → <see cref="IFraming"/> → socket. Each wake-up takes queued audio first, then the
/// rest in order, as much as the gate allows, frames it, and sends it in one write. With a splitting framing
/// (RTMP), a video message larger than the room goes out a few chunks per wake-up, audio overtaking its remaining
/// chunks, and is aborted when the link is found full.
/// </summary>
/// <remarks>
/// Run as a plain method when it can: a wake-up of a waiting writer calls <see cref="OnWake"/>, which writes on the
/// waking thread (the publisher's, for an inline wake-up) without resuming an async method, and waits again the same
/// way; only a step that cannot complete at once (a wait for room, a send the kernel did not take whole, a held-back
/// message's poll) or the end hands over to <see cref="RunAsync"/>, which awaits it and carries on.
/// </remarks>
internal sealed partial class ViewerWriter(ViewerQueue queue, KernelBacklogGate gate, IFraming framing) : IValueTaskSource<ViewerWriter.Step>
{
    private const int MaxBatchBytes = 256 * 1024;
    private const int MaxBatchItems = 64;
    private const int HeldBackPollMs = 5;

    private static readonly Action<object?> s_onWake = static s => ((ViewerWriter)s!).OnWake();

    private readonly List<DeliveryItem> _batch = new(MaxBatchItems);
    private CancellationToken _cancellationToken;
    private ManualResetValueTaskSourceCore<Step> _handover; // the writer's wait, ended by OnWake when it cannot go on
    private ValueTask<bool> _iteration; // the iteration Pump left pending (Step.Async)
    private int _nextNonAudioBytes; // the first queued non-audio item's size as Pump's TryReady saw it (0: none)

    /// <summary>Where <see cref="Pump"/> stopped.</summary>
    internal enum Step
    {
        /// <summary>The queue completed and is empty, or the output closed: the writer ends.</summary>
        End,
        /// <summary>Waiting for a wake-up: <see cref="OnWake"/> runs then.</summary>
        Waiting,
        /// <summary>An iteration did not complete at once (<see cref="_iteration"/>): await it.</summary>
        Async,
    }

    /// <summary>
    /// Drains the queue until it completes and is empty (returns normally: the caller closes the connection), the output
    /// closes, or <paramref name="cancellationToken"/> fires / the socket fails (throws).
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _cancellationToken = cancellationToken;
        try
        {
            while (true)
            {
                _handover.Reset(); // not pending here: only the Pump below may start a wait
                var step = Pump();
                if (step == Step.Waiting)
                    step = await new ValueTask<Step>(this, _handover.Version).ConfigureAwait(false);
                if (step == Step.End)
                    return;
                var iteration = _iteration;
                _iteration = default;
                if (!await iteration.ConfigureAwait(false))
                    return;
            }
        }
        finally
        {
            ReleaseBatch();
            framing.Dispose();
            queue.OnWriterEnded();
        }
    }

    /// <summary>
    /// Runs iterations on this thread while each completes at once: returns <see cref="Step.Waiting"/> once the queue is
    /// empty and a wake-up will call <see cref="OnWake"/>, <see cref="Step.Async"/> with an iteration that must be
    /// awaited, or <see cref="Step.End"/>. Exceptions of an iteration come with its awaited result.
    /// </summary>
    private Step Pump()
    {
        while (true)
        {
            if (!framing.HasPartial)
            {
                var ready = queue.TryReady(out _nextNonAudioBytes);
                if (ready == false)
                    return Step.End;
                if (ready is null)
                {
                    if (queue.WaitForWakeThen(_cancellationToken, s_onWake, this))
                        return Step.Waiting;
                    _cancellationToken.ThrowIfCancellationRequested();
                    continue;
                }
            }
            var iteration = Iterate(_cancellationToken);
            if (!iteration.IsCompletedSuccessfully)
            {
                _iteration = iteration;
                return Step.Async;
            }
            if (!iteration.Result)
                return Step.End;
        }
    }

    /// <summary>A wake-up of the waiting writer (inline on the waking thread, or on the thread pool): write, or hand over.</summary>
    private void OnWake()
    {
        Step step;
        try
        {
            _cancellationToken.ThrowIfCancellationRequested();
            step = Pump();
        }
        catch (Exception ex)
        {
            _handover.SetException(ex);
            return;
        }
        if (step != Step.Waiting)
            _handover.SetResult(step);
    }

    Step IValueTaskSource<Step>.GetResult(short token) => _handover.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<Step>.GetStatus(short token) => _handover.GetStatus(token);

    void IValueTaskSource<Step>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _handover.OnCompleted(continuation, state, token, flags);

    private void ReleaseBatch()
    {
        foreach (var item in _batch)
            item.Payload.Release();
        _batch.Clear();
    }
}

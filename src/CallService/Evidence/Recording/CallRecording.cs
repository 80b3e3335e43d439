using CallContracts.Realtime;
using CallContracts.Evidence;
using CallContracts.Streams;
using CallMedia.Control;
using CallService.Calls;
using CallService.Calls.Live;
using CallService.Evidence.Processing;

namespace CallService.Evidence.Recording;

/// <summary>
/// Follows a recorded call after each saved change (<see cref="CallEffects"/>): accepted → <see cref="CallEvidence.CallLive"/>,
/// ended → <see cref="CallEvidence.CallEnded"/> and post-processing; and carries out what a
/// <see cref="RecordingStep"/> asks: the relay starts or stops writing both legs (<see cref="IRelayRecorder"/>), both
/// parties get <c>call.recording</c>. Runs under the call's gate, then the evidence's.
/// </summary>
internal sealed class CallRecording(
    EvidenceBook book, EvidencePaths paths, EvidenceEvents events, RecordingQueue queue, ILogger<CallRecording> logger,
    IRelayRecorder? recorder = null)
{
    private static readonly PartyRole[] Legs = [PartyRole.A, PartyRole.B];

    /// <summary>After a change of <paramref name="call"/> was saved; cheap for calls that are not recorded.</summary>
    public void AfterSave(Call call, DateTimeOffset now)
    {
        if (!book.IsOpen(call.Id)) return;
        var ended = call.IsEnded;
        if (!ended && call.State is not (CallState.Accepted or CallState.Connected)) return;
        if (book.Read(call.Id, e => e is null || (ended ? e.Ended : e.Live))) return; // most changes (stats, reports) change nothing here
        var processing = false;
        Task? relayed = null;
        var step = book.Change(call.Id, evidence =>
        {
            if (ended ? evidence.Ended : evidence.Live) return RecordingStep.None;
            var step = ended ? evidence.CallEnded(now) : evidence.CallLive(now);
            relayed = Relay(call.Id, step);
            processing = evidence.State == RecordingState.Processing;
            return step;
        });
        Tell(call.Id, call.A.UserId, call.B.UserId, step);
        if (!processing) return;
        if (relayed is null) queue.Enqueue(call.Id);
        else _ = ProcessAfterAsync(relayed, call.Id); // the legs' files are closed (and their start known) first
    }

    private async Task ProcessAfterAsync(Task relayed, string callId)
    {
        await relayed.ConfigureAwait(false); // never faults: each leg logs its own failure
        queue.Enqueue(callId);
    }

    /// <summary>
    /// A party's consent answer (<paramref name="party"/> of the call of <paramref name="userA"/> and
    /// <paramref name="userB"/>): starts or stops both legs as <see cref="CallEvidence.Consent"/> decides.
    /// </summary>
    public ConsentResponse Consent(string callId, string userA, string userB, PartyRole party, bool agreed, DateTimeOffset now)
    {
        ConsentResponse? after = null;
        var step = book.Change(callId, evidence =>
        {
            var step = evidence.Consent(party, agreed, now);
            _ = Relay(callId, step); // a consent step: the legs log their own outcome
            after = new ConsentResponse(evidence.State.ToWire(), evidence.ConsentA, evidence.ConsentB);
            return step;
        });
        Tell(callId, userA, userB, step);
        return after!;
    }

    /// <summary>
    /// The relay's part of a step, sent inside the evidence's lock (so the relay gets the steps of a call in order). An
    /// in-process relay answers at once: the stop's summaries go into the segment under this lock and null is returned.
    /// A relay process answers later (nothing waits for it here): the summaries are then put in under the lock again, and
    /// the returned task completes when both legs are answered.
    /// </summary>
    private Task? Relay(string callId, RecordingStep step)
    {
        if (recorder is null || step.Segment is not { } segment) return null;
        List<Task>? pending = null;
        foreach (var role in Legs)
        {
            var stream = StreamNames.For(callId, role);
            try
            {
                if (step.Kind == RecordingStepKind.Start)
                {
                    paths.CallFolder(callId);
                    var started = recorder.StartRecordingAsync(stream, paths.Full(segment.LegPath(callId, role)));
                    if (started.IsCompletedSuccessfully) Started(callId, role, started.Result);
                    else (pending ??= []).Add(StartedAsync(callId, role, step.Kind, started));
                }
                else if (step.Kind == RecordingStepKind.Stop)
                {
                    var stopped = recorder.StopRecordingAsync(stream);
                    if (stopped.IsCompletedSuccessfully) Stopped(callId, segment, role, stopped.Result);
                    else (pending ??= []).Add(StoppedAsync(callId, segment, role, step.Kind, stopped));
                }
            }
            catch (Exception e)
            {
                LegFailed(e, callId, step.Kind, role);
            }
        }
        return pending is null ? null : Task.WhenAll(pending);
    }

    private async Task StartedAsync(string callId, PartyRole role, RecordingStepKind kind, ValueTask<bool> started)
    {
        try
        {
            Started(callId, role, await started.ConfigureAwait(false));
        }
        catch (Exception e)
        {
            LegFailed(e, callId, kind, role);
        }
    }

    private async Task StoppedAsync(string callId, RecordingSegment segment, PartyRole role, RecordingStepKind kind, ValueTask<RecordingSummary?> stopped)
    {
        try
        {
            var summary = await stopped.ConfigureAwait(false);
            if (summary is not null) book.Change(callId, _ => Stopped(callId, segment, role, summary));
        }
        catch (Exception e)
        {
            LegFailed(e, callId, kind, role);
        }
    }

    private void Started(string callId, PartyRole role, bool started)
    {
        if (!started) logger.LogWarning("Call {CallId}: stream {Party} was already being recorded", callId, role.ToWire());
    }

    private bool Stopped(string callId, RecordingSegment segment, PartyRole role, RecordingSummary? summary)
    {
        if (summary is null) return false;
        CallEvidence.LegStarted(segment, role, summary.StartedAt);
        logger.LogInformation("Call {CallId}: leg {Party} recorded, {Bytes} bytes", callId, role.ToWire(), summary.Bytes);
        return true;
    }

    // One leg failing to record must not stop the call; post-processing reports what is missing.
    private void LegFailed(Exception e, string callId, RecordingStepKind kind, PartyRole role) =>
        logger.LogError(e, "Call {CallId}: recording {Action} of leg {Party} failed", callId, kind, role.ToWire());

    private void Tell(string callId, string userA, string userB, RecordingStep step)
    {
        if (step.Kind == RecordingStepKind.None) return;
        var state = step.Kind == RecordingStepKind.Start ? "started" : "stopped";
        logger.LogInformation("Call {CallId}: recording {State} ({Reason})", callId, state, step.Reason);
        events.Recording(callId, userA, userB, state, step.Reason);
    }
}

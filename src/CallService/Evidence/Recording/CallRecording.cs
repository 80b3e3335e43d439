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
        var step = book.Change(call.Id, evidence =>
        {
            if (ended ? evidence.Ended : evidence.Live) return RecordingStep.None;
            var step = ended ? evidence.CallEnded(now) : evidence.CallLive(now);
            Relay(call.Id, step);
            processing = evidence.State == RecordingState.Processing;
            return step;
        });
        Tell(call.Id, call.A.UserId, call.B.UserId, step);
        if (processing) queue.Enqueue(call.Id);
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
            Relay(callId, step);
            after = new ConsentResponse(evidence.State.ToWire(), evidence.ConsentA, evidence.ConsentB);
            return step;
        });
        Tell(callId, userA, userB, step);
        return after!;
    }

    /// <summary>The relay's part of a step, inside the evidence's lock (the stop's summaries go into the segment).</summary>
    private void Relay(string callId, RecordingStep step)
    {
        if (recorder is null || step.Segment is not { } segment) return;
        foreach (var role in Legs)
        {
            var stream = StreamNames.For(callId, role);
            try
            {
                if (step.Kind == RecordingStepKind.Start)
                {
                    paths.CallFolder(callId);
                    if (!recorder.StartRecording(stream, paths.Full(segment.LegPath(callId, role))))
                        logger.LogWarning("Call {CallId}: stream {Party} was already being recorded", callId, role.ToWire());
                }
                else if (step.Kind == RecordingStepKind.Stop && recorder.StopRecording(stream) is { } summary)
                {
                    CallEvidence.LegStarted(segment, role, summary.StartedAt);
                    logger.LogInformation("Call {CallId}: leg {Party} recorded, {Bytes} bytes", callId, role.ToWire(), summary.Bytes);
                }
            }
            catch (Exception e)
            {
                // One leg failing to record must not stop the call; post-processing reports what is missing.
                logger.LogError(e, "Call {CallId}: recording {Action} of leg {Party} failed", callId, step.Kind, role.ToWire());
            }
        }
    }

    private void Tell(string callId, string userA, string userB, RecordingStep step)
    {
        if (step.Kind == RecordingStepKind.None) return;
        var state = step.Kind == RecordingStepKind.Start ? "started" : "stopped";
        logger.LogInformation("Call {CallId}: recording {State} ({Reason})", callId, state, step.Reason);
        events.Recording(callId, userA, userB, state, step.Reason);
    }
}

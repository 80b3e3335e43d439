using CallContracts.Streams;
using CallService.Common;

namespace CallService.Evidence;

/// <summary>What a change of <see cref="CallEvidence"/> asks the relay and the parties to see.</summary>
internal enum RecordingStepKind
{
    None,
    /// <summary>Start writing both legs into <see cref="RecordingStep.Segment"/>; tell both parties <c>started</c>.</summary>
    Start,
    /// <summary>Stop writing both legs; tell both parties <c>stopped</c>.</summary>
    Stop,
}

/// <summary>The outcome of one evidence change: what to do, why (the <c>reason</c> of <c>call.recording</c>), which segment.</summary>
internal sealed record RecordingStep(RecordingStepKind Kind, string Reason, RecordingSegment? Segment)
{
    public static readonly RecordingStep None = new(RecordingStepKind.None, "", null);
}

/// <summary>
/// The evidence of one call and its recording state machine:
/// <c>off → recording → processing → ready | failed</c> (mode <c>on</c>: starts when the call is accepted);
/// <c>waiting_consent ⇄ recording → processing → …</c> (mode <c>consent</c>: records only while both parties agree;
/// a withdrawal stops both legs); <c>recording | processing → interrupted</c> after a crash. Pure: time comes in as
/// arguments, the relay and the parties are told through the returned <see cref="RecordingStep"/>. Kept as one JSON
/// document per call in <see cref="Storage.IEvidenceStore"/>; changed only under <see cref="EvidenceBook"/>'s lock.
/// </summary>
internal sealed class CallEvidence
{
    public const string ReasonModeOn = "recording_on";
    public const string ReasonConsent = "consent";
    public const string ReasonWithdrawn = "consent_withdrawn";
    public const string ReasonCallEnded = "call_ended";

    public string CallId { get; set; } = "";
    public RecordingMode Mode { get; set; }
    public RecordingState State { get; set; }

    /// <summary>The node whose relay records the call (crash recovery finalises only its own).</summary>
    public string NodeId { get; set; } = "";

    public bool? ConsentA { get; set; }
    public bool? ConsentB { get; set; }

    /// <summary>The call is accepted and not ended: its legs may be recorded.</summary>
    public bool Live { get; set; }

    public bool Ended { get; set; }

    /// <summary>Set when a crash cut the recording: the final state is <c>interrupted</c>.</summary>
    public bool Interrupted { get; set; }

    public List<ConsentEvent> Consents { get; set; } = [];
    public List<RecordingSegment> Segments { get; set; } = [];
    public List<EvidenceFile> Files { get; set; } = [];
    public List<EvidenceSnapshot> Snapshots { get; set; } = [];
    public List<Erasure> Erasures { get; set; } = [];

    public static CallEvidence Create(string callId, RecordingMode mode, string nodeId) => new()
    {
        CallId = callId, Mode = mode, NodeId = nodeId,
        State = mode == RecordingMode.Consent ? RecordingState.WaitingConsent : RecordingState.Off,
    };

    /// <summary>Nothing was ever recorded nor photographed, and nothing was erased: the record needs no evidence entry.</summary>
    public bool IsEmpty => Mode == RecordingMode.Off && Snapshots.Count == 0 && Files.Count == 0 && Erasures.Count == 0 && Segments.Count == 0;

    /// <summary>The oldest media still kept (the retention sweeper's key); null when none.</summary>
    public DateTimeOffset? MediaSince =>
        Files.Select(f => (DateTimeOffset?)f.StartedAt).Concat(Snapshots.Select(s => (DateTimeOffset?)s.TakenAt)).Min();

    private bool BothConsent => ConsentA == true && ConsentB == true;
    private bool Wanted => Live && (Mode == RecordingMode.On || (Mode == RecordingMode.Consent && BothConsent));

    /// <summary>The call was accepted (direct calls: created): mode <c>on</c>, or consent given by both, starts recording.</summary>
    public RecordingStep CallLive(DateTimeOffset now)
    {
        if (Ended || Live) return RecordingStep.None;
        Live = true;
        return Wanted ? Start(now, Mode == RecordingMode.On ? ReasonModeOn : ReasonConsent) : RecordingStep.None;
    }

    /// <summary>
    /// A party answers (consent mode only, 409 otherwise or once the call ended). Repeating the same answer is harmless
    /// but noted. Both <c>true</c> while live → start; a <c>false</c> while recording → stop both legs.
    /// </summary>
    public RecordingStep Consent(PartyRole party, bool agreed, DateTimeOffset now)
    {
        if (Mode != RecordingMode.Consent)
            throw new CallRuleException("recording_not_by_consent", $"This call's recording mode is {Mode.ToWire()}, not consent.");
        if (Ended) throw new CallRuleException("call_ended", "The call already ended.");
        Consents.Add(new ConsentEvent(party, agreed, now));
        if (party == PartyRole.A) ConsentA = agreed; else ConsentB = agreed;
        if (State == RecordingState.Recording && !agreed) return Stop(now, ReasonWithdrawn, RecordingState.WaitingConsent);
        return State != RecordingState.Recording && Wanted ? Start(now, ReasonConsent) : RecordingStep.None;
    }

    /// <summary>The call ended: a running recording stops; recorded segments go to post-processing.</summary>
    public RecordingStep CallEnded(DateTimeOffset now)
    {
        if (Ended) return RecordingStep.None;
        Live = false;
        Ended = true;
        var step = State == RecordingState.Recording ? Stop(now, ReasonCallEnded, RecordingState.Off) : RecordingStep.None;
        State = Segments.Count > 0 ? RecordingState.Processing : RecordingState.Off;
        return step;
    }

    /// <summary>The leg of <paramref name="party"/> in <paramref name="segment"/> wrote its first media tag at <paramref name="at"/>.</summary>
    public static void LegStarted(RecordingSegment segment, PartyRole party, DateTimeOffset? at)
    {
        if (party == PartyRole.A) segment.StartedAtA = at; else segment.StartedAtB = at;
    }

    /// <summary>
    /// After a crash: the service stopped while this call was recording, processing, or waiting for consent (perhaps
    /// with a stretch recorded before a withdrawal). The open segment is closed at <paramref name="lastAlive"/>; what
    /// was recorded goes to post-processing, and a recording that was running ends <c>interrupted</c>.
    /// </summary>
    public void Interrupt(DateTimeOffset lastAlive)
    {
        if (State is not (RecordingState.Recording or RecordingState.Processing or RecordingState.WaitingConsent)) return;
        if (State == RecordingState.Recording) Interrupted = true;
        foreach (var open in Segments.Where(s => s.StoppedAt is null)) open.StoppedAt = lastAlive;
        Live = false;
        Ended = true;
        State = Unprocessed.Count > 0 ? RecordingState.Processing : Files.Count > 0 ? RecordingState.Ready : RecordingState.Off;
    }

    /// <summary>Segments whose files are still to be made.</summary>
    public IReadOnlyList<RecordingSegment> Unprocessed => [.. Segments.Where(s => !s.Processed && s.StoppedAt is not null)];

    /// <summary>Post-processing of <paramref name="segment"/> made <paramref name="files"/> (all of them, or what it could when failed).</summary>
    public void Processed(RecordingSegment segment, IEnumerable<EvidenceFile> files, bool failed)
    {
        if (State != RecordingState.Processing) return;
        segment.Processed = true;
        Files.AddRange(files);
        if (failed) State = RecordingState.Failed;
        else if (Segments.All(s => s.Processed)) State = Interrupted ? RecordingState.Interrupted : RecordingState.Ready;
    }

    public void AddSnapshot(EvidenceSnapshot snapshot) => Snapshots.Add(snapshot);

    /// <summary>
    /// Removes the files and snapshots <paramref name="selected"/> picks (by their time) and notes who erased them. Null
    /// when nothing was picked. The erasure is refused (409) while media are still being written or made.
    /// </summary>
    public Erasure? Erase(string by, DateTimeOffset now, Func<DateTimeOffset, bool> selected, out IReadOnlyList<string> paths)
    {
        if (State is RecordingState.Recording or RecordingState.Processing)
            throw new CallRuleException("evidence_in_use", "The call is being recorded or its files are being made; erase it once that ended.");
        var files = Files.Where(f => selected(f.StartedAt)).ToList();
        var snapshots = Snapshots.Where(s => selected(s.TakenAt)).ToList();
        // Legs' FLVs of a failed segment may be on disk without a listed file: an erasure of everything takes them too.
        paths = [.. files.Select(f => f.Path), .. snapshots.Select(s => s.Path)];
        if (files.Count == 0 && snapshots.Count == 0) return null;
        Files.RemoveAll(files.Contains);
        Snapshots.RemoveAll(snapshots.Contains);
        var erasure = new Erasure(by, now, [.. files.Select(f => f.RecordingId)], [.. snapshots.Select(s => s.SnapshotId)]);
        Erasures.Add(erasure);
        return erasure;
    }

    private RecordingStep Start(DateTimeOffset now, string reason)
    {
        var segment = new RecordingSegment { Index = Segments.Count, StartedAt = now };
        Segments.Add(segment);
        State = RecordingState.Recording;
        return new RecordingStep(RecordingStepKind.Start, reason, segment);
    }

    private RecordingStep Stop(DateTimeOffset now, string reason, RecordingState next)
    {
        var segment = Segments[^1];
        segment.StoppedAt = now;
        State = next;
        return new RecordingStep(RecordingStepKind.Stop, reason, segment);
    }
}

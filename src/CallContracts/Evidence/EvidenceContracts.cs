namespace CallContracts.Evidence;

/// <summary>Body of <c>GET /v1/calls/{id}/recordings</c>.</summary>
/// <param name="State"><c>off|waiting_consent|recording|processing|ready|failed|interrupted</c>.</param>
/// <param name="Files">Every file kept (legs as FLV and MP4, the composite MP4); empty until the post-processing ends.</param>
public sealed record RecordingsResponse(string State, IReadOnlyList<RecordingFileView> Files);

/// <summary>One recorded file.</summary>
/// <param name="RecordingId">Id of the file (URL-safe).</param>
/// <param name="Kind"><c>leg</c> (one party's stream as published) or <c>composite</c> (both pictures side by side, both voices mixed).</param>
/// <param name="Party"><c>a</c> or <c>b</c> for a leg; null for the composite.</param>
/// <param name="Format"><c>flv</c> (as received, no transcoding) or <c>mp4</c> (faststart).</param>
/// <param name="Bytes">Size in bytes.</param>
/// <param name="DurationSeconds">Media duration in seconds (ffprobe), null when unknown.</param>
/// <param name="Sha256">SHA-256 of the file's bytes, lowercase hex.</param>
/// <param name="StartedAt">When the recording of this part started.</param>
/// <param name="Url">Signed download link, valid <c>Recording:LinkTtlSeconds</c>; range requests work (a browser <c>&lt;video&gt;</c> plays it).</param>
public sealed record RecordingFileView(
    string RecordingId, string Kind, string? Party, string Format, long Bytes, double? DurationSeconds, string Sha256,
    DateTimeOffset StartedAt, string? Url);

/// <summary>Body of <c>POST /v1/calls/{id}/consent</c> (party token).</summary>
public sealed record ConsentRequest
{
    /// <summary><c>true</c>: this party agrees to be recorded; <c>false</c>: withdraws (the recording of both legs stops).</summary>
    public bool? Recording { get; init; }
}

/// <summary>Answer of <c>POST /v1/calls/{id}/consent</c>.</summary>
/// <param name="State">The recording state after the consent (see <see cref="RecordingsResponse.State"/>).</param>
/// <param name="ConsentA">Party a's current consent; null when it has not answered.</param>
/// <param name="ConsentB">Party b's current consent; null when it has not answered.</param>
public sealed record ConsentResponse(string State, bool? ConsentA, bool? ConsentB);

/// <summary>Body of <c>POST /v1/calls/{id}/snapshots</c>.</summary>
public sealed record SnapshotRequest
{
    /// <summary>Whose picture: <c>a</c> or <c>b</c>. A party token may only take the peer's.</summary>
    public string? Party { get; init; }
}

/// <summary>One snapshot: a JPEG of a party's picture at its full resolution.</summary>
/// <param name="SnapshotId">Id (URL-safe).</param>
/// <param name="Party"><c>a</c> or <c>b</c>.</param>
/// <param name="TakenAt">When it was taken.</param>
/// <param name="Width">Pixels.</param>
/// <param name="Height">Pixels.</param>
/// <param name="Sha256">SHA-256 of the JPEG bytes, lowercase hex.</param>
/// <param name="Url">Signed download link, valid <c>Recording:LinkTtlSeconds</c>.</param>
public sealed record SnapshotView(string SnapshotId, string Party, DateTimeOffset TakenAt, int Width, int Height, string Sha256, string? Url);

/// <summary>Body of <c>GET /v1/calls/{id}/snapshots</c>: oldest first.</summary>
/// <param name="Snapshots">The call's snapshots that are still kept.</param>
public sealed record SnapshotList(IReadOnlyList<SnapshotView> Snapshots);

/// <summary>A party's consent answer, as the record keeps it.</summary>
/// <param name="Party"><c>a</c> or <c>b</c>.</param>
/// <param name="Recording">true: agreed; false: refused or withdrew.</param>
/// <param name="At">When.</param>
public sealed record ConsentEventView(string Party, bool Recording, DateTimeOffset At);

/// <summary>An erasure of evidence, as the record keeps it (the media are gone, this note stays).</summary>
/// <param name="By"><c>service</c> (API key, <c>DELETE /v1/calls/{id}/evidence</c>) or <c>retention</c> (the sweeper).</param>
/// <param name="At">When.</param>
/// <param name="RecordingIds">The files deleted.</param>
/// <param name="SnapshotIds">The snapshots deleted.</param>
public sealed record ErasureView(string By, DateTimeOffset At, IReadOnlyList<string> RecordingIds, IReadOnlyList<string> SnapshotIds);

/// <summary>The evidence of a call, carried in its record (API key only).</summary>
/// <param name="Mode"><c>off</c>, <c>on</c> or <c>consent</c>.</param>
/// <param name="State">Recording state (see <see cref="RecordingsResponse.State"/>).</param>
/// <param name="Files">Files kept, with their hashes (no links: use <c>GET /v1/calls/{id}/recordings</c>).</param>
/// <param name="Snapshots">Snapshots kept, with their hashes.</param>
/// <param name="Consents">Every consent answer, oldest first.</param>
/// <param name="Erasures">Every erasure, oldest first.</param>
public sealed record CallEvidenceView(
    string Mode, string State, IReadOnlyList<RecordingFileView> Files, IReadOnlyList<SnapshotView> Snapshots,
    IReadOnlyList<ConsentEventView> Consents, IReadOnlyList<ErasureView> Erasures);

/// <summary>Data of the realtime event <c>call.recording</c>, sent to both parties whenever the recording starts or stops.</summary>
/// <param name="State"><c>started</c> or <c>stopped</c>.</param>
/// <param name="Reason">
/// Why: <c>recording_on</c> (the call is recorded by its mode), <c>consent</c> (both parties agreed),
/// <c>consent_withdrawn</c>, <c>call_ended</c>.
/// </param>
public sealed record RecordingEventData(string State, string Reason)
{
    /// <summary>The realtime event type.</summary>
    public const string Type = "call.recording";
}

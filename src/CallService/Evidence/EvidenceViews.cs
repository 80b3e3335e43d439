using CallContracts.Realtime;
using CallContracts.Evidence;
using CallContracts.Streams;
using CallService.Evidence.Links;

namespace CallService.Evidence;

/// <summary>Maps <see cref="CallEvidence"/> to its wire shapes; links are signed when a base URL is given.</summary>
internal sealed class EvidenceViews(EvidenceLinks links)
{
    public RecordingsResponse Recordings(CallEvidence? evidence, string baseUrl) =>
        evidence is null
            ? new RecordingsResponse(RecordingState.Off.ToWire(), [])
            : new RecordingsResponse(evidence.State.ToWire(), [.. evidence.Files.Select(f => File(evidence.CallId, f, baseUrl))]);

    public RecordingFileView File(string callId, EvidenceFile f, string? baseUrl) => new(
        f.RecordingId, f.Kind, f.Party?.ToWire(), f.Format, f.Bytes, f.DurationSeconds, f.Sha256, f.StartedAt,
        baseUrl is null ? null : links.Sign(baseUrl, EvidenceLinks.Recordings, callId, f.RecordingId));

    public SnapshotView Snapshot(string callId, EvidenceSnapshot s, string? baseUrl) => new(
        s.SnapshotId, s.Party.ToWire(), s.TakenAt, s.Width, s.Height, s.Sha256,
        baseUrl is null ? null : links.Sign(baseUrl, EvidenceLinks.Snapshots, callId, s.SnapshotId));

    /// <summary>The evidence carried by a call record (no links: they expire, records do not); null when there is none.</summary>
    public CallEvidenceView? Record(CallEvidence? e) => e is null || e.IsEmpty
        ? null
        : new CallEvidenceView(
            e.Mode.ToWire(), e.State.ToWire(),
            [.. e.Files.Select(f => File(e.CallId, f, null))],
            [.. e.Snapshots.Select(s => Snapshot(e.CallId, s, null))],
            [.. e.Consents.Select(c => new ConsentEventView(c.Party.ToWire(), c.Recording, c.At))],
            [.. e.Erasures.Select(Erasure)]);

    public static ErasureView Erasure(Erasure e) => new(e.By, e.At, e.RecordingIds, e.SnapshotIds);
}

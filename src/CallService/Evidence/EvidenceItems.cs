using CallContracts.Realtime;
using CallContracts.Streams;

namespace CallService.Evidence;

/// <summary>A party's consent answer (kept in the record for ever, also after an erasure).</summary>
internal sealed record ConsentEvent(PartyRole Party, bool Recording, DateTimeOffset At);

/// <summary>
/// An erasure: who deleted which media and when (<c>service</c> = the API key's <c>DELETE</c>, <c>retention</c> = the
/// sweeper). The record keeps this note, never the media.
/// </summary>
internal sealed record Erasure(string By, DateTimeOffset At, IReadOnlyList<string> RecordingIds, IReadOnlyList<string> SnapshotIds);

/// <summary>
/// A file kept for a call. <paramref name="Path"/> is relative to <c>Recording:Directory</c>;
/// <paramref name="Segment"/> is the recording segment it belongs to (consent withdrawn and given again starts a new one).
/// </summary>
internal sealed record EvidenceFile(
    string RecordingId, int Segment, string Kind, PartyRole? Party, string Format, string Path, long Bytes,
    double? DurationSeconds, string Sha256, DateTimeOffset StartedAt)
{
    public const string Leg = "leg";
    public const string Composite = "composite";
}

/// <summary>A snapshot: a JPEG of <paramref name="Party"/>'s picture, <paramref name="Path"/> relative to <c>Recording:Directory</c>.</summary>
internal sealed record EvidenceSnapshot(
    string SnapshotId, PartyRole Party, DateTimeOffset TakenAt, int Width, int Height, string Sha256, long Bytes, string Path, string TakenBy);

/// <summary>
/// One stretch of recording of both legs, from a start to a stop. Its legs are written as
/// <c>{callId}/seg{Index}-a.flv</c> and <c>-b.flv</c> (see <see cref="LegPath(string, int, PartyRole)"/>).
/// </summary>
internal sealed class RecordingSegment
{
    public int Index { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? StoppedAt { get; set; }

    /// <summary>When each leg's first media tag was written (the relay's summary); null when unknown or no media came.</summary>
    public DateTimeOffset? StartedAtA { get; set; }
    public DateTimeOffset? StartedAtB { get; set; }

    /// <summary>Its MP4s and hashes are made (or failed): nothing more to do.</summary>
    public bool Processed { get; set; }

    public static string LegPath(string callId, int index, PartyRole party) => $"{callId}/seg{index}-{party.ToWire()}.flv";

    public string LegPath(string callId, PartyRole party) => LegPath(callId, Index, party);
}

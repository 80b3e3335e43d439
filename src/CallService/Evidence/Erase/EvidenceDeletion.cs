using CallContracts.Evidence;

namespace CallService.Evidence.Erase;

/// <summary>
/// Erases media of a call (the API key's erasure and retention): the note goes into the record first, then the files
/// are deleted, then <see cref="EvidenceErased"/> is published.
/// </summary>
internal sealed class EvidenceDeletion(EvidenceBook book, EvidencePaths paths, EvidencePublisher publisher, EvidenceMetrics metrics,
    ILogger<EvidenceDeletion> logger)
{
    /// <summary>Erases the media <paramref name="selected"/> picks by time; null when none. <paramref name="wholeFolder"/>: also every other file of the call.</summary>
    public async Task<ErasureView?> EraseAsync(string callId, string by, DateTimeOffset now, Func<DateTimeOffset, bool> selected, bool wholeFolder)
    {
        IReadOnlyList<string> doomed = [];
        var erasure = book.Change(callId, e => e.Erase(by, now, selected, out doomed));
        foreach (var relative in doomed)
        {
            try
            {
                File.Delete(paths.Full(relative));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogError(e, "Call {CallId}: deleting an evidence file failed", callId);
            }
        }
        if (wholeFolder && Directory.Exists(Path.Combine(paths.Root, callId)))
        {
            try
            {
                Directory.Delete(Path.Combine(paths.Root, callId), recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogError(e, "Call {CallId}: deleting the evidence folder failed", callId);
            }
        }
        if (erasure is null) return null;
        logger.LogInformation("Call {CallId}: evidence erased by {By} ({Files} file(s), {Snapshots} snapshot(s))",
            callId, by, erasure.RecordingIds.Count, erasure.SnapshotIds.Count);
        metrics.Erased(by);
        var view = EvidenceViews.Erasure(erasure);
        await publisher.PublishAsync(new EvidenceErased(callId, view));
        return view;
    }
}

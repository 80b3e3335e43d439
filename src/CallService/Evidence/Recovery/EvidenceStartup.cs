using CallService.Cluster;
using CallService.Evidence.Processing;
using CallService.Storage;

namespace CallService.Evidence.Recovery;

/// <summary>
/// At start, before requests are taken: opens the evidence store and finalises what the previous run of this node left
/// unfinished. A call still <c>recording</c> (the process was killed, e.g. <c>kill -9</c>) keeps its partial legs — the
/// relay flushed them at least once a second — and is post-processed into playable MP4s with hashes, ending
/// <c>interrupted</c>; one left <c>processing</c> is processed again. With a store one process alone uses
/// (<see cref="ICallStore.SingleProcess"/>: SQLite) the rows of every node id in it are this process's own from earlier
/// runs, possibly under another id (another HTTP port changes the default <c>Cluster:NodeId</c>), and their files are
/// on this disk, as <c>RecordsStartup</c> treats the calls.
/// </summary>
internal sealed class EvidenceStartup(
    IEvidenceStore store, ICallStore calls, EvidenceBook book, EvidencePaths paths, RecordingQueue queue, NodeIdentity node,
    TimeProvider time, ILogger<EvidenceStartup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        store.Initialize();
        string[] nodes = calls.SingleProcess
            ? [.. calls.ClusterNodes().Select(n => n.NodeId).Append(node.Id).Distinct()]
            : [node.Id];
        foreach (var evidence in nodes.SelectMany(store.Unfinished))
        {
            var lastAlive = LastWrite(evidence) ?? time.GetUtcNow();
            logger.LogWarning("Call {CallId}: recording left {State} by the previous run; finalising its files", evidence.CallId, evidence.State.ToWire());
            book.Hold(evidence);
            book.Change(evidence.CallId, e =>
            {
                e.Interrupt(lastAlive);
                return 0;
            });
            queue.Enqueue(evidence.CallId);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>When the legs were last written: the moment the recording is known to have lasted to.</summary>
    private DateTimeOffset? LastWrite(CallEvidence evidence)
    {
        var times = evidence.Segments.Where(s => s.StoppedAt is null)
            .SelectMany(s => (string[])[s.LegPath(evidence.CallId, CallContracts.Streams.PartyRole.A), s.LegPath(evidence.CallId, CallContracts.Streams.PartyRole.B)])
            .Select(paths.Full).Where(File.Exists).Select(f => new DateTimeOffset(File.GetLastWriteTimeUtc(f), TimeSpan.Zero)).ToList();
        return times.Count == 0 ? null : times.Max();
    }
}

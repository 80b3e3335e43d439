using System.Security.Cryptography;
using CallContracts.Realtime;
using CallContracts.Streams;

namespace CallService.Evidence.Processing;

/// <summary>
/// The post-processing job: for each recorded segment of an ended call, an MP4 per leg (ffmpeg <c>-c copy</c>,
/// <c>+faststart</c>: the index first, so a browser starts playing before the whole file arrived) and one composite MP4
/// (<see cref="CompositeArguments"/>), then the SHA-256 of every file (the FLV legs as written, the MP4s). One call at a
/// time, so post-processing never takes both cores from live calls.
/// </summary>
internal sealed class RecordingProcessor(
    RecordingQueue queue, EvidenceBook book, EvidencePaths paths, MediaTools tools, EvidenceViews views, EvidencePublisher publisher,
    EvidenceMetrics metrics, ILogger<RecordingProcessor> logger) : BackgroundService
{
    private static readonly TimeSpan RemuxTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan CompositeTimeout = TimeSpan.FromHours(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var callId in queue.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await ProcessAsync(callId, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError(e, "Call {CallId}: post-processing failed", callId);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Makes the files of every unprocessed segment of the call and settles its state.</summary>
    public async Task ProcessAsync(string callId, CancellationToken ct)
    {
        var segments = book.Read(callId, e => e?.State == RecordingState.Processing
            ? e.Unprocessed.Select(s => (s.Index, s.StartedAt, A: s.StartedAtA, B: s.StartedAtB)).ToList()
            : []);
        var failure = (string?)null;
        var started = System.Diagnostics.Stopwatch.StartNew();
        foreach (var (index, startedAt, startedA, startedB) in segments)
        {
            var (files, error) = await SegmentAsync(callId, index, startedAt, startedA, startedB, ct);
            failure ??= error;
            book.Change(callId, e =>
            {
                e.Processed(e.Segments.Single(s => s.Index == index), files, failed: error is not null);
                return 0;
            });
        }
        var (state, all) = book.Read(callId, e => (e?.State, e?.Files.Select(f => views.File(callId, f, null)).ToList() ?? []));
        logger.LogInformation("Call {CallId}: recording {State}, {Count} file(s)", callId, state?.ToWire(), all.Count);
        if (segments.Count > 0 && state is { } outcome) metrics.Processed(outcome.ToWire(), started.Elapsed);
        if (state == RecordingState.Failed) await publisher.PublishAsync(new RecordingFailed(callId, failure ?? "post-processing failed", all));
        else if (state is RecordingState.Ready or RecordingState.Interrupted) await publisher.PublishAsync(new RecordingReady(callId, state.Value.ToWire(), all));
    }

    private async Task<(List<EvidenceFile> Files, string? Error)> SegmentAsync(string callId, int index, DateTimeOffset startedAt,
        DateTimeOffset? startedA, DateTimeOffset? startedB, CancellationToken ct)
    {
        var files = new List<EvidenceFile>();
        var legs = new List<CompositeInput>();
        string? error = null;
        foreach (var role in (PartyRole[])[PartyRole.A, PartyRole.B])
        {
            var flvPath = RecordingSegment.LegPath(callId, index, role);
            var flv = paths.Full(flvPath);
            if (!File.Exists(flv) || new FileInfo(flv).Length == 0) continue;
            var legStart = (role == PartyRole.A ? startedA : startedB) ?? startedAt;
            var mp4Path = Path.ChangeExtension(flvPath, ".mp4");
            var (code, errors) = await tools.FfmpegAsync(["-i", flv, "-map", "0", "-c", "copy", "-movflags", "+faststart", paths.Full(mp4Path)], RemuxTimeout, ct: ct);
            var probe = code == 0 ? await tools.ProbeAsync(paths.Full(mp4Path), ct) : null;
            if (probe is null || (!probe.HasVideo && !probe.HasAudio))
            {
                // A leg whose publisher never sent media has nothing to keep; a leg with media that cannot be remuxed fails.
                var empty = probe is not null || (await tools.ProbeAsync(flv, ct)) is { HasVideo: false, HasAudio: false };
                TryDelete(paths.Full(mp4Path));
                if (empty) continue;
                error ??= $"leg {role.ToWire()} could not be remuxed: {Last(errors)}";
                files.Add(await FileAsync(index, EvidenceFile.Leg, role, "flv", flvPath, null, legStart, ct));
                continue;
            }
            files.Add(await FileAsync(index, EvidenceFile.Leg, role, "flv", flvPath, probe.DurationSeconds, legStart, ct));
            files.Add(await FileAsync(index, EvidenceFile.Leg, role, "mp4", mp4Path, probe.DurationSeconds, legStart, ct));
            legs.Add(new CompositeInput(paths.Full(mp4Path), probe, legStart));
        }
        if (legs.Count > 0)
        {
            var compositePath = $"{callId}/seg{index}-composite.mp4";
            var (code, errors) = await tools.FfmpegAsync(CompositeArguments.For(legs, paths.Full(compositePath)), CompositeTimeout, ct: ct);
            var probe = code == 0 ? await tools.ProbeAsync(paths.Full(compositePath), ct) : null;
            if (probe is null) error ??= $"composite could not be made: {Last(errors)}";
            else files.Add(await FileAsync(index, EvidenceFile.Composite, null, "mp4", compositePath, probe.DurationSeconds, legs.Min(l => l.StartedAt), ct));
        }
        return (files, error);
    }

    private async Task<EvidenceFile> FileAsync(int segment, string kind, PartyRole? party, string format, string relative, double? duration,
        DateTimeOffset startedAt, CancellationToken ct)
    {
        var (sha, bytes) = await MediaTools.HashAsync(paths.Full(relative), ct);
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10));
        return new EvidenceFile(id, segment, kind, party, format, relative, bytes, duration, sha, startedAt);
    }

    private static string Last(string errors) =>
        errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "no output";

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { }
    }
}

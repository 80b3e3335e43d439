using CallService.Evidence.Erase;
using CallService.Storage;
using Microsoft.Extensions.Options;

namespace CallService.Evidence.Retention;

/// <summary>
/// Every <c>Recording:SweepSeconds</c>: deletes files and snapshots older than <c>Recording:Retention</c> (by when the
/// recording started / the snapshot was taken) and notes each deletion in the call's record (<c>by: retention</c>).
/// Calls still recording or being processed are left for a later sweep.
/// </summary>
internal sealed class RetentionSweeper(
    IEvidenceStore store, EvidenceDeletion deletion, TimeProvider time, IOptions<RecordingOptions> options, ILogger<RetentionSweeper> logger)
    : BackgroundService
{
    private const int Batch = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, options.Value.SweepSeconds)), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) await SweepAsync();
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>One sweep; returns how many calls had media erased.</summary>
    public async Task<int> SweepAsync()
    {
        var now = time.GetUtcNow();
        var cutoff = now - options.Value.Retention;
        var erased = 0;
        try
        {
            foreach (var evidence in store.WithMediaBefore(cutoff, Batch))
            {
                if (evidence.State is RecordingState.Recording or RecordingState.Processing) continue;
                if (await deletion.EraseAsync(evidence.CallId, "retention", now, at => at < cutoff, wholeFolder: false) is not null) erased++;
            }
        }
        catch (Exception e)
        {
            logger.LogError(e, "Evidence retention sweep failed; retried at the next one");
        }
        return erased;
    }
}

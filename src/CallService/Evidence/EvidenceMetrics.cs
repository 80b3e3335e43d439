using System.Diagnostics.Metrics;

namespace CallService.Evidence;

/// <summary>
/// Evidence instruments on the meter <c>CallService.Evidence</c> (exported with every <c>CallService*</c> meter):
/// recordings post-processed by outcome, post-processing time, snapshots taken, erasures by who erased.
/// </summary>
internal sealed class EvidenceMetrics : IDisposable
{
    public const string MeterName = "CallService.Evidence";

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _recordings;
    private readonly Histogram<double> _processing;
    private readonly Counter<long> _snapshots;
    private readonly Counter<long> _erasures;

    public EvidenceMetrics()
    {
        _recordings = _meter.CreateCounter<long>("recordings", "{recording}",
            "Recorded calls whose post-processing ended, by outcome (ready, interrupted, failed).");
        _processing = _meter.CreateHistogram<double>("processing.duration", "s",
            "Time to make a call's MP4s, composite and hashes.");
        _snapshots = _meter.CreateCounter<long>("snapshots", "{snapshot}", "Snapshots taken.");
        _erasures = _meter.CreateCounter<long>("erasures", "{erasure}",
            "Evidence erasures, by who erased (service = DELETE /v1/calls/{id}/evidence, retention = the sweeper).");
    }

    public void Processed(string outcome, TimeSpan took)
    {
        _recordings.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        _processing.Record(took.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));
    }

    public void SnapshotTaken() => _snapshots.Add(1);

    public void Erased(string by) => _erasures.Add(1, new KeyValuePair<string, object?>("by", by));

    public void Dispose() => _meter.Dispose();
}

using System.Diagnostics.Metrics;

namespace CallMedia.Recording;

/// <summary>
/// Recording instruments on the <c>CallService.Recording</c> meter (exported with every <c>CallService*</c> meter):
/// <c>active</c>, <c>bytes_written</c> and
/// <c>dropped_tags</c> (exported <c>callservice_recording_*</c>) (tags a recording lost because the disk fell behind).
/// </summary>
internal sealed class RecordingMetrics : IDisposable
{
    public const string MeterName = "CallService.Recording";

    private readonly Meter _meter;

    public RecordingMetrics(IMeterFactory meters, Func<int> active)
    {
        _meter = meters.Create(MeterName);
        _meter.CreateObservableUpDownCounter("active", active, "{recording}", "Recordings running on the relay");
        BytesWritten = _meter.CreateCounter<long>("bytes_written", "By", "Bytes of FLV written by recordings");
        DroppedTags = _meter.CreateCounter<long>("dropped_tags", "{tag}", "Audio/video tags recordings dropped because the disk fell behind");
    }

    public Counter<long> BytesWritten { get; }

    public Counter<long> DroppedTags { get; }

    public void Dispose() => _meter.Dispose();
}

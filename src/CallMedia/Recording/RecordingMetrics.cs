using System.Diagnostics.Metrics;

namespace CallMedia.Recording;

/// <summary>
/// Recording instruments on the <c>CallService.Recording</c> meter (exported with every <c>CallService*</c> meter):
/// <c>callservice.recording.active</c>, <c>callservice.recording.bytes_written</c> and
/// <c>callservice.recording.dropped_tags</c> (tags a recording lost because the disk fell behind).
/// </summary>
internal sealed class RecordingMetrics : IDisposable
{
    public const string MeterName = "CallService.Recording";

    private readonly Meter _meter;

    public RecordingMetrics(IMeterFactory meters, Func<int> active)
    {
        _meter = meters.Create(MeterName);
        _meter.CreateObservableUpDownCounter("callservice.recording.active", active, "{recording}", "Recordings running on the relay");
        BytesWritten = _meter.CreateCounter<long>("callservice.recording.bytes_written", "By", "Bytes of FLV written by recordings");
        DroppedTags = _meter.CreateCounter<long>("callservice.recording.dropped_tags", "{tag}", "Audio/video tags recordings dropped because the disk fell behind");
    }

    public Counter<long> BytesWritten { get; }

    public Counter<long> DroppedTags { get; }

    public void Dispose() => _meter.Dispose();
}

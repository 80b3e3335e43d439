using System.Diagnostics.Metrics;
using CallMedia.Access;
using CallMedia.Relay;

namespace CallMedia.Stats;

/// <summary>
/// The relay's metrics on the <see cref="System.Diagnostics.Metrics"/> meter <see cref="MeterName"/>. Everything but the
/// queue-delay histogram is observed when a listener (the /metrics scrape) asks, from counters the relay keeps anyway
/// (<see cref="RelayTraffic"/>, the hub's streams): nothing is added per media message. The queue delay is sampled once
/// a second per viewer by the listener's upkeep (<see cref="SampleQueueDelays"/>): the largest delay each viewer had in
/// that second, so short peaks are seen without recording every message.
/// </summary>
internal sealed class RelayMetrics
{
    /// <summary>The meter's name (every meter named <c>CallService*</c> is exported at <c>/metrics</c>).</summary>
    public const string MeterName = "CallService.Media";

    private const long SampleEveryMs = 1000;

    private static readonly KeyValuePair<string, object?> Rtmp = new("protocol", "rtmp");
    private static readonly KeyValuePair<string, object?> Flv = new("protocol", "flv");
    private static readonly KeyValuePair<string, object?> Audio = new("kind", "audio");
    private static readonly KeyValuePair<string, object?> Video = new("kind", "video");

    private readonly StreamHub _hub;
    private readonly Histogram<double> _queueDelay;
    private long _lastSampleAt;

    public RelayMetrics(IMeterFactory meters, StreamHub hub)
    {
        _hub = hub;
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("publishers", CountPublishers, "{publisher}",
            "Streams with a live publisher.");
        meter.CreateObservableGauge("viewers", CountViewers, "{viewer}",
            "Viewers attached to a stream (including viewers held for a publisher), by protocol.");
        meter.CreateObservableCounter("bytes.in", () => hub.Traffic.Read().BytesIn, "By",
            "Bytes read from RTMP connections (publishers and players, RTMP framing included).");
        meter.CreateObservableCounter("bytes.out", () => hub.Traffic.Read().BytesOut, "By",
            "Bytes written to RTMP and HTTP-FLV connections (framing included).");
        meter.CreateObservableCounter("drops", CountDrops, "{message}",
            "Media messages the drop policy dropped for viewers, by kind (audio only at the hard bound).");
        _queueDelay = meter.CreateHistogram("viewer.queue.delay", "s",
            "Largest delay behind live of each viewer's queue (including unsent kernel bytes) per second.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5] });
    }

    /// <summary>Called by the relay's upkeep (every 250 ms): records each viewer's queue delay once a second.</summary>
    public void SampleQueueDelays(long nowMs)
    {
        if (nowMs - _lastSampleAt < SampleEveryMs || !_queueDelay.Enabled)
            return;
        _lastSampleAt = nowMs;
        foreach (var stream in _hub.Snapshot())
        {
            foreach (var viewer in stream.SnapshotViewers())
            {
                var ms = Interlocked.Exchange(ref viewer.Queue.Counters.WindowMaxQueueMs, -1);
                if (ms >= 0)
                    _queueDelay.Record(ms / 1000.0);
            }
        }
    }

    private int CountPublishers() => _hub.Snapshot().Count(s => s.Publisher is not null);

    private IEnumerable<Measurement<int>> CountViewers()
    {
        int rtmp = 0, flv = 0;
        foreach (var stream in _hub.Snapshot())
        {
            foreach (var viewer in stream.SnapshotViewers())
            {
                if (viewer.Transport == MediaTransport.HttpFlv) flv++;
                else rtmp++;
            }
        }
        return [new(rtmp, Rtmp), new(flv, Flv)];
    }

    private IEnumerable<Measurement<long>> CountDrops()
    {
        var totals = _hub.Traffic.Read();
        return [new(totals.AudioDropped, Audio), new(totals.VideoDropped, Video)];
    }
}

using System.Diagnostics.Metrics;
using CallMedia.Hosting.ControlLink;

namespace CallService.Media.ProcessMode;

/// <summary>One instrument of the relay process made again in this process (see <see cref="RelayMetricsMirror"/>).</summary>
internal sealed class MirroredInstrument(InstrumentKind kind)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Point> _points = new(StringComparer.Ordinal);
    private Histogram<double>? _histogram;

    public InstrumentKind Kind { get; } = kind;

    /// <summary>Makes the instrument on <paramref name="meter"/> as the relay describes it.</summary>
    public void Create(Meter meter, InstrumentSnapshot relay)
    {
        switch (Kind)
        {
            case InstrumentKind.Counter:
                meter.CreateObservableCounter(relay.Name, Observe, relay.Unit, relay.Description);
                break;
            case InstrumentKind.UpDownCounter:
                meter.CreateObservableUpDownCounter(relay.Name, Observe, relay.Unit, relay.Description);
                break;
            case InstrumentKind.Gauge:
                meter.CreateObservableGauge(relay.Name, Observe, relay.Unit, relay.Description);
                break;
            case InstrumentKind.Histogram:
                _histogram = meter.CreateHistogram(relay.Name, relay.Unit, relay.Description, tags: null,
                    advice: relay.Buckets is { Length: > 0 } buckets ? new InstrumentAdvice<double> { HistogramBucketBoundaries = buckets } : null);
                break;
        }
    }

    /// <summary>Takes the relay's values.</summary>
    public void Apply(IReadOnlyList<MetricPoint> points)
    {
        foreach (var relay in points)
        {
            Point point;
            lock (_lock)
            {
                var key = string.Join('\u001e', relay.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => t.Key + "\u001f" + t.Value));
                if (!_points.TryGetValue(key, out point!))
                    _points[key] = point = new Point([.. relay.Tags.Select(t => new KeyValuePair<string, object?>(t.Key, t.Value))]);
                // A counter that went back (a relay restarted without RelayGone seen first) starts from what it had.
                if (Kind == InstrumentKind.Counter && relay.Value < point.Current) point.Carried += point.Current;
                point.Current = relay.Value;
            }
            if (_histogram is { } histogram && relay.Samples is { } samples)
                foreach (var sample in samples) histogram.Record(sample, point.Tags);
        }
    }

    /// <summary>The relay is gone: counters keep their totals, levels fall to 0.</summary>
    public void RelayGone()
    {
        lock (_lock)
        {
            foreach (var point in _points.Values)
            {
                if (Kind == InstrumentKind.Counter) point.Carried += point.Current;
                point.Current = 0;
            }
        }
    }

    private Measurement<double>[] Observe()
    {
        lock (_lock)
            return [.. _points.Values.Select(p => new Measurement<double>(p.Carried + p.Current, p.Tags))];
    }

    private sealed class Point(KeyValuePair<string, object?>[] tags)
    {
        public KeyValuePair<string, object?>[] Tags { get; } = tags;
        public double Current { get; set; }
        public double Carried { get; set; }
    }
}

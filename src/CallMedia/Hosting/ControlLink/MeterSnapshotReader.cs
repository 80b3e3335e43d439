using System.Diagnostics.Metrics;

namespace CallMedia.Hosting.ControlLink;

/// <summary>
/// Reads a relay process's own metrics for its coordinator: listens to every instrument of the host's
/// <c>CallService*</c> meters (those its <see cref="IMeterFactory"/> created, e.g. <c>CallService.Media</c> and
/// <c>CallService.Recording</c>) and, at <see cref="Read"/>, observes the observable ones and returns each instrument's
/// values: totals of counters, current sums and levels, and the histogram values recorded since the previous read. The
/// relay keeps owning every value; the coordinator only mirrors what it is sent, so nothing is counted twice.
/// </summary>
/// <remarks>
/// Cost: observable instruments are only observed at <see cref="Read"/>; a recorded measurement (a recording's bytes, a
/// viewer's queue delay once a second) takes one lock and one dictionary lookup here. Histogram values are kept up to
/// <see cref="MaxSamplesPerPoint"/> per tag set between reads; more are left out.
/// </remarks>
public sealed class MeterSnapshotReader : IDisposable
{
    /// <summary>Meters whose name starts with this are read (the ones CallService exports at <c>/metrics</c>).</summary>
    public const string MeterPrefix = "CallService";

    /// <summary>Histogram values kept per tag set between two reads.</summary>
    public const int MaxSamplesPerPoint = 16_384;

    private readonly Lock _lock = new();
    private readonly Lock _reading = new();
    private readonly MeterListener _listener = new();
    private readonly Dictionary<Instrument, InstrumentState> _instruments = [];

    /// <summary>Starts listening to the <c>CallService*</c> meters <paramref name="meters"/> made (the relay's own).</summary>
    public MeterSnapshotReader(IMeterFactory meters)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!instrument.Meter.Name.StartsWith(MeterPrefix, StringComparison.Ordinal)) return;
            if (!ReferenceEquals(instrument.Meter.Scope, meters)) return; // the relay's own, not a process-wide meter
            if (KindOf(instrument) is not { } kind) return;
            lock (_lock) _instruments[instrument] = new InstrumentState(kind, instrument.IsObservable, BucketsOf(instrument));
            listener.EnableMeasurementEvents(instrument);
        };
        _listener.MeasurementsCompleted = (instrument, _) =>
        {
            lock (_lock) _instruments.Remove(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((i, value, tags, _) => Record(i, value, tags));
        _listener.SetMeasurementEventCallback<int>((i, value, tags, _) => Record(i, value, tags));
        _listener.SetMeasurementEventCallback<double>((i, value, tags, _) => Record(i, value, tags));
        _listener.SetMeasurementEventCallback<float>((i, value, tags, _) => Record(i, value, tags));
        _listener.Start();
    }

    /// <summary>Every instrument read so far with its values now; histogram values are handed over once.</summary>
    public IReadOnlyList<InstrumentSnapshot> Read()
    {
        lock (_reading) return ReadOnce(); // one read at a time: each clears what the previous one handed over
    }

    private List<InstrumentSnapshot> ReadOnce()
    {
        lock (_lock)
        {
            foreach (var state in _instruments.Values)
                if (state.Observable) state.Points.Clear(); // a tag set no longer observed is no longer reported
        }
        _listener.RecordObservableInstruments(); // outside the lock: the callbacks walk the relay's streams
        lock (_lock)
        {
            var snapshot = new List<InstrumentSnapshot>(_instruments.Count);
            foreach (var (instrument, state) in _instruments)
            {
                var points = new List<MetricPoint>(state.Points.Count);
                foreach (var point in state.Points.Values)
                {
                    points.Add(new MetricPoint(point.Tags, point.Value, state.Kind == InstrumentKind.Histogram ? [.. point.Samples] : null));
                    point.Samples.Clear();
                }
                snapshot.Add(new InstrumentSnapshot(instrument.Meter.Name, instrument.Name, state.Kind, instrument.Unit,
                    instrument.Description, state.Buckets, points));
            }
            return snapshot;
        }
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = TagKey(tags);
        lock (_lock)
        {
            if (!_instruments.TryGetValue(instrument, out var state)) return;
            if (!state.Points.TryGetValue(key, out var point))
                state.Points[key] = point = new PointState(TagsOf(tags));
            switch (state.Kind)
            {
                case InstrumentKind.Histogram:
                    if (point.Samples.Count < MaxSamplesPerPoint) point.Samples.Add(value);
                    break;
                case InstrumentKind.Gauge:
                    point.Value = value;
                    break;
                default: // an observable counter reports its total, a counter its increments
                    point.Value = state.Observable ? value : point.Value + value;
                    break;
            }
        }
    }

    private static InstrumentKind? KindOf(Instrument instrument) => instrument switch
    {
        Counter<long> or Counter<int> or Counter<double> or Counter<float>
            or ObservableCounter<long> or ObservableCounter<int> or ObservableCounter<double> or ObservableCounter<float> => InstrumentKind.Counter,
        UpDownCounter<long> or UpDownCounter<int> or UpDownCounter<double> or UpDownCounter<float>
            or ObservableUpDownCounter<long> or ObservableUpDownCounter<int> or ObservableUpDownCounter<double>
            or ObservableUpDownCounter<float> => InstrumentKind.UpDownCounter,
        Gauge<long> or Gauge<int> or Gauge<double> or Gauge<float>
            or ObservableGauge<long> or ObservableGauge<int> or ObservableGauge<double> or ObservableGauge<float> => InstrumentKind.Gauge,
        Histogram<long> or Histogram<int> or Histogram<double> or Histogram<float> => InstrumentKind.Histogram,
        _ => null,
    };

    private static double[]? BucketsOf(Instrument instrument) => instrument switch
    {
        Histogram<double> { Advice.HistogramBucketBoundaries: { Count: > 0 } b } => [.. b],
        Histogram<long> { Advice.HistogramBucketBoundaries: { Count: > 0 } b } => [.. b.Select(x => (double)x)],
        Histogram<int> { Advice.HistogramBucketBoundaries: { Count: > 0 } b } => [.. b.Select(x => (double)x)],
        _ => null,
    };

    private static string TagKey(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0) return "";
        var parts = new string[tags.Length];
        for (var i = 0; i < tags.Length; i++) parts[i] = tags[i].Key + "\u001f" + tags[i].Value;
        Array.Sort(parts, StringComparer.Ordinal);
        return string.Join('\u001e', parts);
    }

    private static Dictionary<string, string> TagsOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var result = new Dictionary<string, string>(tags.Length, StringComparer.Ordinal);
        foreach (var tag in tags)
            result[tag.Key] = Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
        return result;
    }

    /// <summary>Stops listening.</summary>
    public void Dispose() => _listener.Dispose();

    private sealed class InstrumentState(InstrumentKind kind, bool observable, double[]? buckets)
    {
        public InstrumentKind Kind { get; } = kind;
        public bool Observable { get; } = observable;
        public double[]? Buckets { get; } = buckets;
        public Dictionary<string, PointState> Points { get; } = new(StringComparer.Ordinal);
    }

    private sealed class PointState(Dictionary<string, string> tags)
    {
        public Dictionary<string, string> Tags { get; } = tags;
        public double Value { get; set; }
        public List<double> Samples { get; } = [];
    }
}

using System.Diagnostics.Metrics;
using CallMedia.Hosting.ControlLink;
using CallService.Media.ProcessMode;
using Microsoft.Extensions.DependencyInjection;

namespace CallService.Tests.Media;

/// <summary>
/// The relay process's metrics as CallService exports them: <see cref="MeterSnapshotReader"/> in the relay reads its
/// <c>CallService*</c> meters, the snapshot crosses the control channel's framing, <see cref="RelayMetricsMirror"/> makes
/// the same instruments in the coordinator. Values, names, units, buckets and tags must come out as they went in.
/// </summary>
public sealed class RelayMetricsMirrorTests : IDisposable
{
    private readonly ServiceProvider _relay = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly ServiceProvider _coordinator = new ServiceCollection().AddMetrics().BuildServiceProvider();

    [Fact]
    public void Snapshot_MirroredInTheCoordinator_KeepsNamesValuesTagsAndBuckets()
    {
        var meter = _relay.GetRequiredService<IMeterFactory>().Create("CallService.Media");
        var publishers = 3;
        meter.CreateObservableGauge("publishers", () => publishers, "{publisher}", "Streams with a live publisher.");
        meter.CreateObservableCounter("drops", () => new[]
        {
            new Measurement<long>(5, new KeyValuePair<string, object?>("kind", "audio")),
            new Measurement<long>(7, new KeyValuePair<string, object?>("kind", "video")),
        }, "{message}");
        var written = meter.CreateCounter<long>("bytes.written", "By");
        var delay = meter.CreateHistogram("viewer.queue.delay", "s", "delay",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.1, 1] });
        using var reader = new MeterSnapshotReader(_relay.GetRequiredService<IMeterFactory>());
        written.Add(100);
        written.Add(23);
        delay.Record(0.05);
        delay.Record(0.5);

        var mirror = new RelayMetricsMirror(_coordinator.GetRequiredService<IMeterFactory>());
        using var seen = new Seen(_coordinator.GetRequiredService<IMeterFactory>());
        mirror.Apply(OverTheWire(reader.Read()));

        Assert.Equal(3, seen.Observe("publishers"));
        Assert.Equal(5, seen.Observe("drops", "kind=audio"));
        Assert.Equal(7, seen.Observe("drops", "kind=video"));
        Assert.Equal(123, seen.Observe("bytes.written"));
        Assert.Equal([0.05, 0.5], seen.Recorded("viewer.queue.delay"));
        Assert.Equal("{publisher}", seen.Instruments["publishers"].Unit);
        Assert.Equal("Streams with a live publisher.", seen.Instruments["publishers"].Description);
        Assert.Equal([0.01, 0.1, 1], ((Histogram<double>)seen.Instruments["viewer.queue.delay"]).Advice!.HistogramBucketBoundaries!);
        Assert.Equal("CallService.Media", seen.Instruments["publishers"].Meter.Name);

        // The next snapshot: histogram values are sent once, levels and totals as they are now.
        publishers = 1;
        written.Add(7);
        mirror.Apply(OverTheWire(reader.Read()));
        Assert.Equal(1, seen.Observe("publishers"));
        Assert.Equal(130, seen.Observe("bytes.written"));
        Assert.Equal([0.05, 0.5], seen.Recorded("viewer.queue.delay"));
    }

    [Fact]
    public void RelayGone_CountersKeepTheirTotals_LevelsFallToZero_AndANewRelayAddsOn()
    {
        var mirror = new RelayMetricsMirror(_coordinator.GetRequiredService<IMeterFactory>());
        using var seen = new Seen(_coordinator.GetRequiredService<IMeterFactory>());
        mirror.Apply([Point("bytes.in", InstrumentKind.Counter, 1000), Point("publishers", InstrumentKind.Gauge, 2)]);
        mirror.RelayGone();
        Assert.Equal(1000, seen.Observe("bytes.in"));
        Assert.Equal(0, seen.Observe("publishers"));

        mirror.Apply([Point("bytes.in", InstrumentKind.Counter, 50), Point("publishers", InstrumentKind.Gauge, 1)]);
        Assert.Equal(1050, seen.Observe("bytes.in"));
        Assert.Equal(1, seen.Observe("publishers"));
        // A relay that restarted unseen (its total went back) is carried over too.
        mirror.Apply([Point("bytes.in", InstrumentKind.Counter, 10)]);
        Assert.Equal(1060, seen.Observe("bytes.in"));
    }

    [Fact]
    public void Reader_TakesOnlyItsHostsCallServiceMeters()
    {
        using var reader = new MeterSnapshotReader(_relay.GetRequiredService<IMeterFactory>());
        _relay.GetRequiredService<IMeterFactory>().Create("Microsoft.AspNetCore.Hosting").CreateObservableGauge("x", () => 1);
        _coordinator.GetRequiredService<IMeterFactory>().Create("CallService.Media").CreateObservableGauge("other.host", () => 1);
        _relay.GetRequiredService<IMeterFactory>().Create("CallService.Recording").CreateObservableUpDownCounter("active", () => 2);

        var snapshot = Assert.Single(reader.Read());
        Assert.Equal(("CallService.Recording", "active", InstrumentKind.UpDownCounter), (snapshot.Meter, snapshot.Name, snapshot.Kind));
        Assert.Equal(2, Assert.Single(snapshot.Points).Value);
    }

    private static IReadOnlyList<InstrumentSnapshot> OverTheWire(IReadOnlyList<InstrumentSnapshot> snapshot)
    {
        var frame = ControlFraming.Encode(new ControlMessage { Kind = ControlKind.Metrics, Metrics = snapshot });
        var message = ControlFraming.ReadAsync(new MemoryStream(frame), CancellationToken.None).AsTask().GetAwaiter().GetResult();
        Assert.Equal(ControlKind.Metrics, message!.Kind);
        return message.Metrics!;
    }

    private static InstrumentSnapshot Point(string name, InstrumentKind kind, double value) =>
        new("CallService.Media", name, kind, null, null, null, [new MetricPoint(new Dictionary<string, string>(), value)]);

    public void Dispose()
    {
        _relay.Dispose();
        _coordinator.Dispose();
    }

    /// <summary>What a listener (prometheus-net's adapter, in the service) sees of the coordinator's CallService meters.</summary>
    private sealed class Seen : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, double> _observed = [];
        private readonly List<double> _recorded = [];

        public Seen(IMeterFactory meters)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (!ReferenceEquals(instrument.Meter.Scope, meters)) return;
                Instruments[instrument.Name] = instrument;
                listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
            {
                if (instrument is Histogram<double>) _recorded.Add(value);
                else _observed[instrument.Name + string.Concat(tags.ToArray().Select(t => $"|{t.Key}={t.Value}"))] = value;
            });
            _listener.Start();
        }

        public Dictionary<string, Instrument> Instruments { get; } = [];

        public double Observe(string name, string? tag = null)
        {
            _observed.Clear();
            _listener.RecordObservableInstruments();
            return _observed[tag is null ? name : name + "|" + tag];
        }

        public double[] Recorded(string name)
        {
            Assert.True(Instruments.ContainsKey(name));
            return [.. _recorded];
        }

        public void Dispose() => _listener.Dispose();
    }
}

using System.Diagnostics.Metrics;
using Prometheus;

namespace CallService.Observability;

/// <summary>
/// Exports this host's <see cref="System.Diagnostics.Metrics"/> meters in the Prometheus text format with prometheus-net
/// (its meter adapter, https://github.com/prometheus-net/prometheus-net#net-meters-api): every meter whose name starts
/// with <see cref="MeterPrefix"/>, created by this host's <see cref="IMeterFactory"/> or process-wide (<c>new Meter(...)</c>),
/// into a registry of this host's own, plus prometheus-net's process metrics (CPU, memory, GC counts, threads; read
/// when scraped). Not exported: meters of other hosts in the same process (tests), the framework's meters (ASP.NET Core,
/// Kestrel, System.Net), and prometheus-net's default EventCounter adapter, which listens all the time.
/// </summary>
/// <remarks>
/// Names: the adapter names a series <c>{meter}_{instrument}</c>, lower-cased, every other character than a-z, 0-9 and
/// _ turned into _ (meter <c>CallService.Media</c>, instrument <c>publishers</c> →
/// <c>callservice_media_publishers</c>); it exposes .NET counters and gauges as Prometheus gauges
/// and histograms as histograms with the buckets of the instrument's advice (else <see cref="DefaultBuckets"/>).
/// </remarks>
internal sealed class PrometheusExport : IDisposable
{
    public const string MeterPrefix = "CallService";

    /// <summary>Buckets (seconds) of a histogram whose instrument gives no advice.</summary>
    public static readonly double[] DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly IDisposable _adapter;

    public PrometheusExport(IMeterFactory meters)
    {
        // Nothing here uses prometheus-net's static default registry; should anything collect it, it starts nothing.
        Metrics.SuppressDefaultMetrics();
        Registry = Metrics.NewCustomRegistry();
        DotNetStats.Register(Registry);
        _adapter = MeterAdapter.StartListening(new MeterAdapterOptions
        {
            Registry = Registry,
            MetricFactory = null,
            InstrumentFilterPredicate = i => Exported(i.Meter, meters),
            ResolveHistogramBuckets = Buckets,
            // Series not updated for this long are dropped by the adapter (1 day is its maximum). Ours are observed at
            // every scrape or are histograms; an idle histogram series restarts from zero after a day.
            MetricsExpireAfter = TimeSpan.FromDays(1),
        });
    }

    /// <summary>The registry <c>GET /metrics</c> serialises.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>A <c>CallService*</c> meter of this host (or of the process), not another host's.</summary>
    public static bool Exported(Meter meter, IMeterFactory hostMeters) =>
        meter.Name.StartsWith(MeterPrefix, StringComparison.Ordinal) && (meter.Scope is null || ReferenceEquals(meter.Scope, hostMeters));

    private static double[] Buckets(Instrument instrument) => instrument switch
    {
        Histogram<double> { Advice.HistogramBucketBoundaries: { Count: > 0 } b } => [.. b],
        Histogram<long> { Advice.HistogramBucketBoundaries: { Count: > 0 } b } => [.. b.Select(x => (double)x)],
        Histogram<int> { Advice.HistogramBucketBoundaries: { Count: > 0 } b } => [.. b.Select(x => (double)x)],
        _ => DefaultBuckets,
    };

    public void Dispose() => _adapter.Dispose();
}

using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace CallService.Storage;

/// <summary>
/// The store's write latency and batch sizes on the meter <see cref="MeterName"/>: every write the group commit runs (call changes,
/// events, idempotency keys, leases, the readiness probe), from the caller's queueing to its commit (or failure), so it
/// includes waiting for the batch in progress. One process-wide meter: the stores are built without the host's
/// services (contract tests), and a process holds one store.
/// </summary>
internal static class StoreMetrics
{
    public const string MeterName = "CallService.Store";

    private static readonly Meter s_meter = new(MeterName);

    private static readonly Histogram<double> s_writes = s_meter.CreateHistogram("write.duration", "s",
        "Time a store write took, queueing for the group commit included, by store and outcome.",
        advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        });

    private static readonly Histogram<int> s_batches = s_meter.CreateHistogram("batch.size", "{write}",
        "Writes committed together by the store's writer (one transaction), by store.",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512] });

    private static readonly KeyValuePair<string, object?> Ok = new("outcome", "ok");
    private static readonly KeyValuePair<string, object?> Error = new("outcome", "error");

    /// <summary>Records a write of <paramref name="store"/> started at <paramref name="startedTimestamp"/> (<see cref="Stopwatch"/> ticks).</summary>
    public static void Write(string store, long startedTimestamp, bool succeeded)
    {
        if (!s_writes.Enabled) return;
        s_writes.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds, new KeyValuePair<string, object?>("store", store),
            succeeded ? Ok : Error);
    }

    /// <summary>Records a batch of <paramref name="writes"/> the writer of <paramref name="store"/> took in one transaction.</summary>
    public static void Batch(string store, int writes)
    {
        if (s_batches.Enabled) s_batches.Record(writes, new KeyValuePair<string, object?>("store", store));
    }
}

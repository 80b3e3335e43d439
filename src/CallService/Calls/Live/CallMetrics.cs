using System.Diagnostics.Metrics;

namespace CallService.Calls.Live;

/// <summary>
/// The coordinator's call metrics on the meter <see cref="MeterName"/>: calls by state (observed from
/// <see cref="LiveCalls"/> when scraped), calls ended by reason (kept here, observed when scraped, so every reason is
/// exported from the start and never expires), and the set-up and ring time histograms (recorded once per call by
/// <see cref="CallLifecycle"/>, under the call's gate).
/// </summary>
internal sealed class CallMetrics
{
    public const string MeterName = "CallService";

    private static readonly EndReason[] Reasons = Enum.GetValues<EndReason>();
    private static readonly CallState[] OpenStates = [CallState.Ringing, CallState.Accepted, CallState.Connected];

    private readonly LiveCalls _calls;
    private readonly long[] _ended = new long[Reasons.Length];
    private readonly Histogram<double> _setup;
    private readonly Histogram<double> _ring;

    public CallMetrics(IMeterFactory meters, LiveCalls calls)
    {
        _calls = calls;
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("calls.active", ObserveActive, "{call}",
            "Calls held by this node that have not ended, by state (ringing, accepted, connected).");
        meter.CreateObservableCounter("calls.ended", ObserveEnded, "{call}",
            "Calls ended on this node since it started, by end reason.");
        _setup = meter.CreateHistogram("calls.setup.duration", "s",
            "Time from a call's creation to connected (both sides publishing and playing), ringing included.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 45, 60, 120] });
        _ring = meter.CreateHistogram("calls.ring.duration", "s",
            "How long a ringing call rang: from creation to accepted, or to its end while ringing, by outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 2, 3, 5, 8, 10, 15, 20, 30, 45, 60, 90, 120] });
    }

    /// <summary>The call entered its current state from <paramref name="before"/> at <paramref name="now"/>.</summary>
    public void Entered(Call call, CallState before, DateTimeOffset now)
    {
        if (before == CallState.Ringing && call.Ring && call.State != CallState.Ringing && call.EndReason != EndReason.Busy)
        {
            var outcome = call.State == CallState.Ended ? call.EndReason!.Value.ToWire() : call.State.ToWire();
            _ring.Record((now - call.CreatedAt).TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));
        }
        switch (call.State)
        {
            case CallState.Connected:
                _setup.Record(((call.ConnectedAt ?? now) - call.CreatedAt).TotalSeconds);
                break;
            case CallState.Ended when call.EndReason is { } reason:
                Interlocked.Increment(ref _ended[(int)reason]);
                break;
        }
    }

    /// <summary>Calls a previous run left open, ended <c>service_restart</c> by the store at this node's start.</summary>
    public void EndedAtStart(int count) => Interlocked.Add(ref _ended[(int)EndReason.ServiceRestart], count);

    /// <summary>Calls of a lost node (its lease ran out) that this node ended <c>node_lost</c>.</summary>
    public void EndedLost(int count) => Interlocked.Add(ref _ended[(int)EndReason.NodeLost], count);

    private IEnumerable<Measurement<int>> ObserveActive()
    {
        var counts = new int[OpenStates.Length];
        foreach (var entry in _calls.All())
        {
            var state = entry.Call.State; // an enum read: no lock needed for a count
            if (state != CallState.Ended) counts[(int)state]++;
        }
        return OpenStates.Select(s => new Measurement<int>(counts[(int)s], new KeyValuePair<string, object?>("state", s.ToWire())));
    }

    private IEnumerable<Measurement<long>> ObserveEnded() =>
        Reasons.Select(r => new Measurement<long>(Volatile.Read(ref _ended[(int)r]), new KeyValuePair<string, object?>("reason", r.ToWire())));
}

using System.Diagnostics.Metrics;
using CallMedia.Hosting.ControlLink;

namespace CallService.Media.ProcessMode;

/// <summary>
/// The relay process's metrics at this service's <c>/metrics</c> (<c>Media:Mode=process</c>): for every instrument the
/// relay sends (<see cref="ControlKind.Metrics"/>, every <c>Media:MetricsIntervalMs</c>), an instrument of the same
/// meter, name, unit, description and buckets is made here through this host's <see cref="IMeterFactory"/>, so the
/// exported series are those of the in-process relay (docs/metrics.md). Counters, sums and levels are observed from the
/// latest snapshot (at most one interval old); histogram values are recorded as they arrive. The relay owns each value
/// (no relay instrument exists in this process in this mode, so nothing is counted twice). Across a relay restart
/// (<see cref="RelayGone"/>) counters keep growing (the dead relay's totals are carried over, its last interval is lost),
/// levels read 0 until the new relay reports.
/// </summary>
internal sealed class RelayMetricsMirror(IMeterFactory meters)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Meter, string Name), MirroredInstrument> _instruments = [];

    /// <summary>Takes a snapshot of the relay process.</summary>
    public void Apply(IReadOnlyList<InstrumentSnapshot> snapshot)
    {
        foreach (var instrument in snapshot)
        {
            MirroredInstrument? mirror;
            var created = false;
            lock (_lock)
            {
                if (!_instruments.TryGetValue((instrument.Meter, instrument.Name), out mirror))
                {
                    _instruments[(instrument.Meter, instrument.Name)] = mirror = new MirroredInstrument(instrument.Kind);
                    created = true;
                }
            }
            if (created) mirror.Create(meters.Create(instrument.Meter), instrument);
            if (mirror.Kind == instrument.Kind) mirror.Apply(instrument.Points);
        }
    }

    /// <summary>The relay process is gone: carry its counters' totals over, its levels to 0.</summary>
    public void RelayGone()
    {
        lock (_lock)
        {
            foreach (var mirror in _instruments.Values) mirror.RelayGone();
        }
    }
}

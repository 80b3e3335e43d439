using CallMedia.Delivery;

namespace CallMedia.Stats;

/// <summary>What one relay connection has moved so far; read at scrape time, never per message.</summary>
internal interface IConnectionTraffic
{
    /// <summary>Bytes read from the peer's socket (RTMP; 0 for an HTTP-FLV response).</summary>
    long BytesReceived { get; }

    /// <summary>The connection's outbound counters (its <see cref="ViewerQueue"/>'s).</summary>
    ViewerCounters Sent { get; }
}

/// <summary>Relay-wide totals: bytes in and out, media messages dropped by kind.</summary>
internal readonly record struct TrafficTotals(long BytesIn, long BytesOut, long AudioDropped, long VideoDropped)
{
    public TrafficTotals Plus(IConnectionTraffic c) => new(
        BytesIn + c.BytesReceived, BytesOut + Volatile.Read(ref c.Sent.BytesWritten),
        AudioDropped + Volatile.Read(ref c.Sent.AudioDropped), VideoDropped + Volatile.Read(ref c.Sent.VideoDropped));

    public TrafficTotals AtLeast(TrafficTotals o) => new(
        Math.Max(BytesIn, o.BytesIn), Math.Max(BytesOut, o.BytesOut),
        Math.Max(AudioDropped, o.AudioDropped), Math.Max(VideoDropped, o.VideoDropped));
}

/// <summary>
/// The relay's running totals for its metrics: the counters each connection keeps anyway (no work per message here),
/// summed over the open connections plus what closed connections left behind. A connection is added once when it
/// opens and folded into the closed sum once when it ends, under one lock that a scrape also takes, so a total never
/// counts a connection twice or not at all. Totals never go down: Prometheus reads a lower value as a counter reset.
/// </summary>
internal sealed class RelayTraffic
{
    private readonly Lock _gate = new();
    private readonly HashSet<IConnectionTraffic> _open = [];
    private TrafficTotals _closed;
    private TrafficTotals _reported;

    public void Opened(IConnectionTraffic connection)
    {
        lock (_gate) _open.Add(connection);
    }

    /// <summary>Folds a connection that moves nothing more into the closed totals.</summary>
    public void Closed(IConnectionTraffic connection)
    {
        lock (_gate)
        {
            if (_open.Remove(connection))
                _closed = _closed.Plus(connection);
        }
    }

    /// <summary>The totals now (never below the last answer).</summary>
    public TrafficTotals Read()
    {
        lock (_gate)
        {
            var totals = _closed;
            foreach (var connection in _open)
                totals = totals.Plus(connection);
            return _reported = totals.AtLeast(_reported);
        }
    }
}

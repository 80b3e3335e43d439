using System.Diagnostics.Metrics;

namespace CallService.WebRtc.Sessions;

/// <summary>
/// Meter <c>CallService.WebRtc</c>: <c>sessions</c> (live gateway sessions, by direction),
/// <c>session.starts</c> (gateways started, by direction) and
/// <c>session.refusals</c> (WHIP/WHEP refused for <c>WebRtc:MaxSessions</c>).
/// </summary>
internal sealed class WebRtcMetrics : IDisposable
{
    public const string MeterName = "CallService.WebRtc";
    private readonly Meter _meter;
    private readonly Counter<long> _starts;
    private readonly Counter<long> _refusals;

    public WebRtcMetrics(IMeterFactory meters, Func<IEnumerable<WebRtcSession>> live)
    {
        _meter = meters.Create(MeterName);
        _starts = _meter.CreateCounter<long>("session.starts", "{session}", "WebRTC gateway sessions started");
        _refusals = _meter.CreateCounter<long>("session.refusals", "{session}", "WHIP/WHEP offers refused: WebRtc:MaxSessions reached");
        _meter.CreateObservableGauge("sessions", () =>
            live().GroupBy(s => s.Direction).Select(g => new Measurement<long>(g.LongCount(), new KeyValuePair<string, object?>("direction", Tag(g.Key)))),
            "{session}", "Live WebRTC gateway sessions");
    }

    public void Started(GatewayDirection direction) => _starts.Add(1, new KeyValuePair<string, object?>("direction", Tag(direction)));

    public void Refused() => _refusals.Add(1);

    private static string Tag(GatewayDirection direction) => direction == GatewayDirection.Whip ? "whip" : "whep";

    public void Dispose() => _meter.Dispose();
}

using System.Diagnostics.Metrics;

namespace CallService.Realtime;

/// <summary>The realtime channel's metrics on the meter <see cref="MeterName"/>, observed from <see cref="RealtimeHub"/> when scraped.</summary>
internal sealed class RealtimeMetrics
{
    public const string MeterName = "CallService.Realtime";

    public RealtimeMetrics(IMeterFactory meters, RealtimeHub hub)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("connections", () => hub.Connections, "{connection}",
            "Party WebSocket connections (GET /v1/ws) attached to this node.");
    }
}

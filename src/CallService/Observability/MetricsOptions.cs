namespace CallService.Observability;

/// <summary><c>Metrics:*</c>: who may read <c>GET /metrics</c>.</summary>
internal sealed class MetricsOptions
{
    public const string SectionName = "Metrics";

    /// <summary>
    /// When true, <c>/metrics</c> needs the service API key (<c>Authorization: Bearer &lt;key&gt;</c>, 401 without it).
    /// Default false: Prometheus usually scrapes without credentials from inside the network; the metrics carry no call
    /// ids, user ids or URLs.
    /// </summary>
    public bool RequireApiKey { get; set; }
}

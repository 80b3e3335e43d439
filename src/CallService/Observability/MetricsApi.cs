using CallService.Auth;
using CallService.Calls.Live;
using CallService.Realtime;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Prometheus;

namespace CallService.Observability;

/// <summary><c>GET /metrics</c> (Prometheus text format) and <c>GET /readyz</c>: registration and routes.</summary>
internal static class MetricsApi
{
    /// <summary>Content type of the Prometheus text exposition format 0.0.4.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static IServiceCollection AddCallServiceMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMetrics();
        services.Configure<MetricsOptions>(configuration.GetSection(MetricsOptions.SectionName));
        services.AddOptions<ReadinessOptions>().Bind(configuration.GetSection(ReadinessOptions.SectionName))
            .Validate(o => o.StoreProbeTimeoutMs is >= 50 and <= 60_000, "Readiness:StoreProbeTimeoutMs must be 50-60000.")
            .ValidateOnStart();
        services.AddSingleton<CallMetrics>();
        services.AddSingleton<RealtimeMetrics>();
        services.AddSingleton<PrometheusExport>();
        services.AddSingleton<ReadinessProbe>();
        return services;
    }

    /// <summary>
    /// Maps <c>GET /metrics</c> (no auth unless <c>Metrics:RequireApiKey</c>) and <c>GET /readyz</c> (no auth), and
    /// creates the meters now, so the first scrape sees every series.
    /// </summary>
    public static IEndpointRouteBuilder MapCallServiceMetrics(this IEndpointRouteBuilder app)
    {
        var services = app.ServiceProvider;
        services.GetRequiredService<PrometheusExport>();
        services.GetRequiredService<CallMetrics>();
        services.GetRequiredService<RealtimeMetrics>();

        var metrics = app.MapGet("/metrics", WriteMetrics)
            .WithTags("Health").WithName("GetMetrics")
            .WithSummary("Prometheus metrics (text exposition format 0.0.4); see docs/metrics.md.")
            .Produces<string>(StatusCodes.Status200OK, "text/plain");
        if (services.GetRequiredService<IOptions<MetricsOptions>>().Value.RequireApiKey)
            metrics.RequireAuthorization(BearerAuthenticationHandler.ServicePolicy);

        app.MapGet("/readyz", Ready)
            .WithTags("Health").WithName("GetReadiness")
            .WithSummary("Readiness: 200 when the store takes a write, the RTMP listener is bound and the node is not draining, else 503 problem details naming the reason.");
        return app;
    }

    private static async Task WriteMetrics(HttpContext context, PrometheusExport export)
    {
        context.Response.ContentType = ContentType;
        context.Response.Headers.CacheControl = "no-store";
        await export.Registry.CollectAndExportAsTextAsync(context.Response.Body, ExpositionFormat.PrometheusText, context.RequestAborted);
    }

    private static async Task<Results<Ok<ReadinessReport>, ProblemHttpResult>> Ready(ReadinessProbe probe, CancellationToken cancellationToken)
    {
        var report = await probe.CheckAsync(cancellationToken);
        if (report.Ready)
            return TypedResults.Ok(report);
        return TypedResults.Problem(
            detail: report.Reason, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready",
            extensions: new Dictionary<string, object?> { ["checks"] = report.Checks });
    }
}

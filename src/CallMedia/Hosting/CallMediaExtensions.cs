using CallMedia.Control;
using CallMedia.Flv;
using CallMedia.Recording;
using CallMedia.Relay;
using CallMedia.Rtmp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CallMedia.Hosting;

/// <summary>Hosting the relay in-process: DI registration and the HTTP-FLV endpoint.</summary>
public static class CallMediaExtensions
{
    private const long KestrelDefaultResponseBufferSize = 64 * 1024;

    /// <summary>Kestrel's response buffer limit set by <see cref="AddCallMedia"/> when the host left the default.</summary>
    public const long FlvResponseBufferSize = 16 * 1024;

    /// <summary>
    /// Registers the relay: the RTMP listener as a hosted service, <see cref="Control.IRelayControl"/>,
    /// <see cref="Control.IRelayRecorder"/>,
    /// <see cref="IRelayEndpoints"/>, <see cref="IRelayStats"/>, and options bound from
    /// <paramref name="configuration"/> section <c>Media</c>. The host must register an
    /// <see cref="Access.IStreamAccessPolicy"/>; every registered <see cref="Events.IMediaEventSink"/>
    /// receives media events.
    /// </summary>
    public static IServiceCollection AddCallMedia(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<MediaOptions>(configuration.GetSection(MediaOptions.SectionName));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<MediaEventDispatcher>();
        services.AddSingleton<StreamHub>();
        services.AddSingleton<IRelayControl>(sp => sp.GetRequiredService<StreamHub>());
        services.AddMetrics();
        services.AddSingleton<RelayRecorder>();
        services.AddSingleton<IRelayRecorder>(sp => sp.GetRequiredService<RelayRecorder>());
        if (configuration.GetSection(MediaOptions.SectionName)["Recording:TestControlDirectory"] is { Length: > 0 })
            services.AddHostedService<RecordingTestControl>();
        services.AddSingleton<RelayStatsProvider>();
        services.AddSingleton<IRelayStats>(sp => sp.GetRequiredService<RelayStatsProvider>());
        services.AddMetrics();
        services.AddSingleton<Stats.RelayMetrics>();
        services.AddSingleton<RtmpListener>();
        services.AddSingleton<IRelayEndpoints>(sp => sp.GetRequiredService<RtmpListener>());
        services.AddHostedService(sp => sp.GetRequiredService<RtmpListener>());
        services.AddSingleton<HttpFlvEndpoint>();
        // HTTP-FLV: Kestrel's response pipe sits between a viewer's queue and its socket, unseen by the drop policy;
        // Kestrel has no per-response limit, so the server-wide one is lowered from its 64 KiB default (≈ 3 s of
        // media on a quarter-rate link) unless the host chose a value. Other responses only flush a little earlier.
        services.PostConfigure<KestrelServerOptions>(kestrel =>
        {
            if (kestrel.Limits.MaxResponseBufferSize == KestrelDefaultResponseBufferSize)
                kestrel.Limits.MaxResponseBufferSize = FlvResponseBufferSize;
        });
        return services;
    }

    /// <summary>Endpoint name (OpenAPI <c>operationId</c>) of HTTP-FLV playback; its preflight is this + <c>Preflight</c>.</summary>
    public const string FlvEndpointName = "PlayFlv";

    /// <summary>
    /// Maps HTTP-FLV playback: <c>GET /live/{stream}.flv?txSecret=…&amp;txTime=…</c> → chunked FLV
    /// (403 when the policy refuses), and <c>OPTIONS</c> on the same path as a CORS preflight (204, see
    /// <c>FlvCors</c>). The path segment is <see cref="MediaOptions.App"/> (default <c>live</c>).
    /// </summary>
    [System.Diagnostics.CodeAnalysis.RequiresUnreferencedCode("Minimal-API parameter binding (for the API description); a trimmed host maps MapCallMediaFlvHandlers.")]
    [System.Diagnostics.CodeAnalysis.RequiresDynamicCode("Minimal-API parameter binding (for the API description); a Native AOT host maps MapCallMediaFlvHandlers.")]
    public static IEndpointRouteBuilder MapCallMediaFlv(this IEndpointRouteBuilder endpoints)
    {
        var app = endpoints.ServiceProvider.GetRequiredService<IOptions<MediaOptions>>().Value.App;
        // txSecret/txTime are bound only so the API description lists them: the policy checks the raw query string.
        endpoints.MapGet("/" + app + "/{stream}.flv", (HttpContext context, string stream, HttpFlvEndpoint flv,
                    [FromQuery] string? txSecret, [FromQuery] string? txTime) => flv.HandleAsync(context, stream))
            .WithTags("Media")
            .WithName(FlvEndpointName)
            .WithSummary("Play a stream over HTTP-FLV (a party's signed play URL)")
            .WithDescription("`{stream}` is `{callId}-a` or `{callId}-b`; the query is the play URL's signature " +
                             "(`txSecret`, `txTime`). 200: a chunked `video/x-flv` body that lasts as long as the stream " +
                             "(held open before the publisher arrives). Refused (bad, expired or foreign signature, ended call): 403.")
            .Produces(StatusCodes.Status200OK, typeof(Stream), "video/x-flv")
            .ProducesProblem(StatusCodes.Status403Forbidden);
        // CORS preflight of web players (FlvCors); without it the route answers OPTIONS with 405.
        endpoints.MapMethods("/" + app + "/{stream}.flv", [HttpMethods.Options], (HttpContext context) => FlvCors.AnswerPreflight(context))
            .WithTags("Media")
            .WithName(FlvEndpointName + "Preflight")
            .WithSummary("CORS preflight of an HTTP-FLV play URL (web players)")
            .Produces(StatusCodes.Status204NoContent);
        return endpoints;
    }

    /// <summary>
    /// Maps the same HTTP-FLV routes as <see cref="MapCallMediaFlv"/> as plain request delegates (no parameter binding,
    /// no API description): what a trimmed, Native AOT relay process (<c>CallMedia.Relay</c>) serves.
    /// </summary>
    public static IEndpointRouteBuilder MapCallMediaFlvHandlers(this IEndpointRouteBuilder endpoints)
    {
        var app = endpoints.ServiceProvider.GetRequiredService<IOptions<MediaOptions>>().Value.App;
        var flv = endpoints.ServiceProvider.GetRequiredService<HttpFlvEndpoint>();
        endpoints.MapMethods("/" + app + "/{stream}.flv", [HttpMethods.Get],
            context => flv.HandleAsync(context, context.GetRouteValue("stream") as string ?? ""));
        endpoints.MapMethods("/" + app + "/{stream}.flv", [HttpMethods.Options], context =>
        {
            FlvCors.AnswerPreflight(context);
            return Task.CompletedTask;
        });
        return endpoints;
    }
}

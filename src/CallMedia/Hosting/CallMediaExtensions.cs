using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CallMedia.Hosting;

/// <summary>Hosting the relay in-process: DI registration and the HTTP-FLV endpoint.</summary>
public static class CallMediaExtensions
{
    /// <summary>
    /// Registers the relay: the RTMP listener as a hosted service, <see cref="Control.IRelayControl"/>,
    /// <see cref="IRelayEndpoints"/>, and options bound from <paramref name="configuration"/> section
    /// <c>Media</c>. The host must register an <see cref="Access.IStreamAccessPolicy"/>; every registered
    /// <see cref="Events.IMediaEventSink"/> receives media events.
    /// </summary>
    public static IServiceCollection AddCallMedia(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<MediaOptions>(configuration.GetSection(MediaOptions.SectionName));
        // TODO(relay): register listener, hub, control, endpoints.
        return services;
    }

    /// <summary>
    /// Maps HTTP-FLV playback: <c>GET /live/{stream}.flv?txSecret=…&amp;txTime=…</c> → chunked FLV
    /// (403 when the policy refuses).
    /// </summary>
    public static IEndpointRouteBuilder MapCallMediaFlv(this IEndpointRouteBuilder endpoints)
    {
        // TODO(relay): map the endpoint.
        return endpoints;
    }
}

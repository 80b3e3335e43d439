using CallService.WebRtc.CallPage;
using CallService.WebRtc.Sessions;

namespace CallService.WebRtc;

/// <summary>Wires browser parties: options, the engine check, the gateway sessions, WHIP/WHEP and the call page.</summary>
internal static class WebRtcRegistration
{
    public static IServiceCollection AddWebRtc(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebRtcOptions>().Bind(configuration.GetSection(WebRtcOptions.SectionName))
            .Validate(o => o.MaxSessions is >= 0 and <= 10000, "WebRtc:MaxSessions must be 0-10000.")
            .Validate(o => o.PortMin is >= 0 and <= 65535 && o.PortMax is >= 0 and <= 65535 && (o.PortMax == 0 || o.PortMin <= o.PortMax),
                "WebRtc:PortMin/PortMax must be UDP ports with PortMin ≤ PortMax.")
            .Validate(o => o.IdleTimeoutSeconds is >= 1 and <= 300, "WebRtc:IdleTimeoutSeconds must be 1-300.")
            .Validate(o => o.AnswerTimeoutSeconds is >= 1 and <= 60, "WebRtc:AnswerTimeoutSeconds must be 1-60.")
            .Validate(o => o.IceServers.All(s => s.Urls.Count > 0 && s.Urls.All(u => u.StartsWith("stun:", StringComparison.Ordinal)
                || u.StartsWith("turn:", StringComparison.Ordinal) || u.StartsWith("turns:", StringComparison.Ordinal))),
                "WebRtc:IceServers: every server needs Urls starting with stun:, turn: or turns:.")
            .ValidateOnStart();
        services.AddSingleton<WebRtcEngine>();
        services.AddHostedService(sp => sp.GetRequiredService<WebRtcEngine>());
        services.AddSingleton<WebRtcSessions>();
        services.AddHostedService(sp => sp.GetRequiredService<WebRtcSessions>());
        services.AddSingleton<WebRtcUrls>();
        return services;
    }

    /// <summary>WHIP/WHEP under the API group (body limit applies) and the browser call page.</summary>
    public static IEndpointRouteBuilder MapBrowserParties(this IEndpointRouteBuilder api, IEndpointRouteBuilder app)
    {
        api.MapWebRtc();
        app.MapCallPage();
        return api;
    }
}

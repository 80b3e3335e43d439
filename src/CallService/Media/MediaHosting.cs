using CallMedia.Control;
using CallMedia.Hosting;
using CallService.Media.ProcessMode;

namespace CallService.Media;

/// <summary>
/// Where the relay runs (<c>Media:Mode</c>): <c>inprocess</c> (default) hosts it in this process (RTMP listener as a
/// hosted service, HTTP-FLV on this web server); <c>process</c> starts it as its own process (<c>CallMedia.Relay</c>,
/// Native AOT when published so) and talks to it over a control channel, behind the same interfaces.
/// </summary>
internal static class MediaHosting
{
    /// <summary>The configuration key.</summary>
    public const string ModeKey = "Media:Mode";

    /// <summary>True when <c>Media:Mode</c> is <c>process</c> (case-insensitive).</summary>
    public static bool IsProcessMode(IConfiguration configuration) =>
        string.Equals(configuration[ModeKey], "process", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Registers the relay as <c>Media:Mode</c> says: in-process (<see cref="CallMediaExtensions.AddCallMedia"/>) or a
    /// relay process (<see cref="RelayProcess"/> and its proxies for <see cref="IRelayControl"/>,
    /// <see cref="IRelayRecorder"/>, <see cref="IRelayStats"/>, <see cref="IRelayEndpoints"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException"><c>Media:Mode</c> is neither <c>inprocess</c> nor <c>process</c>.</exception>
    public static IServiceCollection AddCallMediaHost(this IServiceCollection services, IConfiguration configuration)
    {
        var mode = configuration[ModeKey];
        if (mode is { Length: > 0 } && !IsProcessMode(configuration) && !string.Equals(mode, "inprocess", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"{ModeKey} must be 'inprocess' or 'process'.");
        if (!IsProcessMode(configuration))
            return services.AddCallMedia(configuration);

        services.Configure<MediaOptions>(configuration.GetSection(MediaOptions.SectionName));
        services.AddMetrics();
        services.AddSingleton<RelayMetricsMirror>();
        services.AddSingleton<RelayProcess>();
        services.AddSingleton<IRelayEndpoints>(sp => sp.GetRequiredService<RelayProcess>());
        services.AddHostedService(sp => sp.GetRequiredService<RelayProcess>());
        services.AddSingleton<RelayProcessCommands>();
        services.AddSingleton<IRelayControl>(sp => sp.GetRequiredService<RelayProcessCommands>());
        services.AddSingleton<IRelayRecorder>(sp => sp.GetRequiredService<RelayProcessCommands>());
        services.AddSingleton<IRelayStats>(sp => sp.GetRequiredService<RelayProcessCommands>());
        return services;
    }

    /// <summary>Maps HTTP-FLV playback on this web server when the relay runs in-process (a relay process serves it itself).</summary>
    public static IEndpointRouteBuilder MapCallMediaHost(this IEndpointRouteBuilder endpoints, IConfiguration configuration) =>
        IsProcessMode(configuration) ? endpoints : endpoints.MapCallMediaFlv();
}

using CallMedia.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TestSupport.Media;

namespace CallService.Tests.Support;

/// <summary>
/// A fact that needs ffmpeg and the embedded relay: skipped (visibly) while <c>AddCallMedia</c> registers no
/// relay (before the relay branch is merged) or when ffmpeg is not installed (the repository's test command installs it).
/// </summary>
public sealed class MediaFactAttribute : FactAttribute
{
    public MediaFactAttribute()
    {
        if (!RelayRegistered()) Skip = "The embedded relay is not registered by AddCallMedia (relay not merged yet).";
        else if (!Ffmpeg.Available) Skip = "ffmpeg is not installed.";
    }

    private static bool RelayRegistered()
    {
        var services = new ServiceCollection();
        services.AddCallMedia(new ConfigurationBuilder().Build());
        return services.Any(d => d.ServiceType == typeof(IRelayEndpoints));
    }
}

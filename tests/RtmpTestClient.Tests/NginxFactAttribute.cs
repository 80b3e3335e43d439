using RtmpTestClient.Servers;

namespace RtmpTestClient.Tests;

/// <summary>A fact that is skipped, with the reason, when nginx or its RTMP module is not installed.</summary>
public sealed class NginxFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when nginx-rtmp is missing.</summary>
    public NginxFactAttribute()
    {
        if (!NginxRtmpServer.IsInstalled)
            Skip = $"nginx with the RTMP module ({NginxRtmpServer.ModulePath}) is not installed: apt-get install nginx libnginx-mod-rtmp";
    }
}

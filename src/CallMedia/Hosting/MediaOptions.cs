namespace CallMedia.Hosting;

/// <summary>
/// Relay settings, bound from the <c>Media</c> configuration section (environment: <c>Media__Rtmp__Port</c>).
/// </summary>
public sealed class MediaOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Media";

    /// <summary>RTMP listener settings.</summary>
    public RtmpListenerOptions Rtmp { get; set; } = new();
}

/// <summary>RTMP listener settings (<c>Media:Rtmp:*</c>).</summary>
public sealed class RtmpListenerOptions
{
    /// <summary>Address to listen on. Default <c>127.0.0.1</c>.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>TCP port. Default 1935; 0 picks a free port (see <see cref="IRelayEndpoints"/>).</summary>
    public int Port { get; set; } = 1935;
}

using System.Net;

namespace CallMedia.Hosting;

/// <summary>Where the running relay actually listens (useful when configured with port 0).</summary>
public interface IRelayEndpoints
{
    /// <summary>
    /// The bound RTMP endpoint. Available once the relay's hosted service has started;
    /// throws <see cref="InvalidOperationException"/> before that.
    /// </summary>
    IPEndPoint RtmpEndPoint { get; }
}

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

    /// <summary>
    /// True while the RTMP listener is bound and accepting: from the relay's start until it stops (or its accept loop
    /// ended). Readiness checks (<c>/readyz</c>) read it.
    /// </summary>
    bool RtmpListening { get; }
}

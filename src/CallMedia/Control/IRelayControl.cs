namespace CallMedia.Control;

/// <summary>
/// Commands the coordinator gives the relay. Asynchronous because the relay may run in another process
/// (<c>Media:Mode=process</c>: a control-channel round trip); in-process it completes at once.
/// </summary>
public interface IRelayControl
{
    /// <summary>
    /// Disconnects the publisher and every viewer (RTMP and HTTP-FLV) of <paramref name="streamName"/>
    /// now. Returns how many connections were closed. Safe to call for a stream that has none.
    /// </summary>
    ValueTask<int> DisconnectStreamAsync(string streamName, string reason, CancellationToken cancellationToken = default);
}

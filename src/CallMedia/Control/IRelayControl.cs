namespace CallMedia.Control;

/// <summary>Commands the coordinator gives the relay.</summary>
public interface IRelayControl
{
    /// <summary>
    /// Disconnects the publisher and every viewer (RTMP and HTTP-FLV) of <paramref name="streamName"/>
    /// now. Returns how many connections were closed. Safe to call for a stream that has none.
    /// </summary>
    int DisconnectStream(string streamName, string reason);
}

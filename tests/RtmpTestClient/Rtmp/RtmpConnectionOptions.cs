namespace RtmpTestClient.Rtmp;

/// <summary>Socket and protocol settings for one client connection.</summary>
public sealed record RtmpConnectionOptions
{
    /// <summary>
    /// <c>SO_RCVBUF</c> in bytes, set before connecting so the TCP window follows it; null keeps the kernel's
    /// auto-tuned default. A small value plus <see cref="MaxReadBytesPerSecond"/> models a slow link.
    /// </summary>
    public int? ReceiveBufferSize { get; init; }

    /// <summary>Caps how fast this client reads from its socket, in bytes/s; null = as fast as it can.</summary>
    public long? MaxReadBytesPerSecond { get; init; }

    /// <summary>Chunk size announced and used for what this client sends. Default 4096 (FFmpeg's).</summary>
    public int OutgoingChunkSize { get; init; } = 4096;

    /// <summary>Limit for connect + handshake + each command round trip. Default 10 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Buffer length announced with <c>play</c> (User Control SetBufferLength), in ms. Default 0 (RTC).</summary>
    public uint PlayBufferMs { get; init; }

    /// <summary>
    /// Sees every message received (protocol control, commands, data, media), with its arrival time in
    /// <see cref="System.Diagnostics.Stopwatch"/> ticks, before the connection handles it; from the first message on,
    /// so replies to <c>connect</c> are included. The payload is valid only during the call. Keep it short.
    /// </summary>
    public Action<Chunking.RtmpMessage, long>? MessageObserver { get; init; }
}

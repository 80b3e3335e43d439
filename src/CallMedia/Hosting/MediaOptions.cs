namespace CallMedia.Hosting;

/// <summary>
/// Relay settings, bound from the <c>Media</c> configuration section (environment: <c>Media__Rtmp__Port</c>).
/// Times are milliseconds, sizes bytes.
/// </summary>
public sealed class MediaOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Media";

    /// <summary>RTMP listener settings.</summary>
    public RtmpListenerOptions Rtmp { get; set; } = new();

    /// <summary>
    /// The RTMP application clients connect to (<c>rtmp://host/{App}/stream</c>); <c>connect</c> to any other
    /// application is answered with <c>NetConnection.Connect.Rejected</c>. Default <c>live</c>, which is also the
    /// HTTP-FLV path segment (<c>/live/{stream}.flv</c>).
    /// </summary>
    public string App { get; set; } = "live";

    /// <summary>
    /// A joining viewer starts at the stream's latest keyframe when it arrived less than this many
    /// milliseconds ago, else at the next keyframe. Default 500 (DESIGN §4; bounds start latency
    /// without a GOP cache).
    /// </summary>
    public int MaxStartLatencyMs { get; set; } = 500;

    /// <summary>
    /// Per-viewer queue bound in media time, milliseconds. Past half of it disposable video is dropped,
    /// past three quarters inter frames, past all of it key frames. Default 500 (DESIGN §4).
    /// </summary>
    public int ViewerQueueMs { get; set; } = 500;

    /// <summary>
    /// Hard per-viewer bound in media time, milliseconds: audio is never dropped below it; a viewer past it
    /// is disconnected as too slow. Default 3000 (DESIGN §4).
    /// </summary>
    public int ViewerHardLimitMs { get; set; } = 3000;

    /// <summary>Per-viewer queue bound in bytes (user-space queue plus unsent kernel bytes). Default 4 MiB.</summary>
    public int ViewerQueueBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// <c>SO_SNDBUF</c> for RTMP sockets, bytes: a backstop against Linux growing it to megabytes (DESIGN §4).
    /// The writer itself keeps the unsent bytes in the kernel near the path's bandwidth-delay product
    /// (<c>SIOCOUTQ</c>), so media waits in the viewer queue where drops apply. Not smaller: the kernel counts
    /// per-packet overhead against it, so a tight cap starves small audio packets. Default 262144; 0 = OS default.
    /// </summary>
    public int ViewerSendBufferBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// A publisher that has sent no media for this many milliseconds may be replaced by a new publish of the
    /// same stream (DESIGN §4 stale takeover). Default 1500.
    /// </summary>
    public int PublisherStaleMs { get; set; } = 1500;

    /// <summary>
    /// How long viewers of a stream without publisher are held (play before publish, publisher reconnect)
    /// before they get the end of stream, milliseconds. Default 30000; the coordinator usually ends the
    /// call (and so the viewers) earlier.
    /// </summary>
    public int UnpublishedHoldMs { get; set; } = 30_000;

    /// <summary>
    /// How often each live stream's statistics go to the event sinks as <see cref="Events.StreamStatsReported"/>,
    /// milliseconds. Default 5000 (the bitrate window); 0 disables.
    /// </summary>
    public int StatsIntervalMs { get; set; } = 5000;

    /// <summary>The RTMP handshake (C0 to C2) must complete within this many milliseconds. Default 5000.</summary>
    public int HandshakeTimeoutMs { get; set; } = 5000;

    /// <summary>
    /// A connection that is not playing and has sent nothing for this many milliseconds is closed. Default 30000.
    /// </summary>
    public int IdleTimeoutMs { get; set; } = 30_000;

    /// <summary>Largest chunk size a peer may set, bytes. Default and maximum 65536.</summary>
    public int MaxChunkSize { get; set; } = 65536;

    /// <summary>Chunk size the relay uses for what it sends, bytes. Default 4096.</summary>
    public int OutChunkSize { get; set; } = 4096;

    /// <summary>Largest RTMP message a peer may send, bytes. Default 4 MiB.</summary>
    public int MaxMessageLength { get; set; } = 4 * 1024 * 1024;

    /// <summary>Maximum concurrent RTMP connections; more are closed at accept. Default 2000.</summary>
    public int MaxConnections { get; set; } = 2000;

    /// <summary>Maximum createStream calls per RTMP connection. Default 8.</summary>
    public int MaxStreamsPerConnection { get; set; } = 8;

    /// <summary>
    /// The latest key frame and every message after it are kept per live stream for
    /// <see cref="Control.IRelayRecorder.CaptureLatestGopAsync"/> up to this many bytes; a longer GOP is let go (capture
    /// returns null until the next key frame). Default 4 MiB. 0 keeps only what fast start needs (a GOP younger than
    /// <see cref="MaxStartLatencyMs"/>), so a capture usually finds nothing.
    /// </summary>
    public int LatestGopMaxBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// HTTP-FLV listener of a relay process (<c>Media:Mode=process</c>, <c>Media:Flv:*</c>); in-process, HTTP-FLV is
    /// served by the host's own web server and this is unused.
    /// </summary>
    public FlvListenerOptions Flv { get; set; } = new();

    /// <summary>Recording settings (<c>Media:Recording:*</c>).</summary>
    public Recording.RecordingOptions Recording { get; set; } = new();
}

/// <summary>RTMP listener settings (<c>Media:Rtmp:*</c>).</summary>
public sealed class RtmpListenerOptions
{
    /// <summary>Address to listen on. Default <c>127.0.0.1</c>.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>TCP port. Default 1935; 0 picks a free port (see <see cref="IRelayEndpoints"/>).</summary>
    public int Port { get; set; } = 1935;

    /// <summary>
    /// How connections are read: <c>Auto</c> (default: the relay's own epoll loop in the relay process on Linux, .NET's
    /// socket engine in-process), <c>Sockets</c> or <c>Epoll</c> (see <see cref="Rtmp.Io.RtmpIoLoop"/>).
    /// </summary>
    public Rtmp.Io.RtmpIoLoop IoLoop { get; set; } = Rtmp.Io.RtmpIoLoop.Auto;

    /// <summary>Epoll loop threads with <see cref="IoLoop"/> = epoll; 0 (default) = one per core. Capped at the core count.</summary>
    public int IoLoopThreads { get; set; }
}

/// <summary>HTTP-FLV listener of a relay process (<c>Media:Flv:*</c>, only with <c>Media:Mode=process</c>).</summary>
public sealed class FlvListenerOptions
{
    /// <summary>Address to listen on. Default <c>127.0.0.1</c>.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>TCP port. Default 0: a free port, reported to the coordinator, which builds play URLs with it.</summary>
    public int Port { get; set; }
}

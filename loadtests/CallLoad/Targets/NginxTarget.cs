using RtmpTestClient.Servers;

namespace CallLoad.Targets;

/// <summary>
/// nginx-rtmp started by the tool on loopback with the low-latency config in <c>loadtests/nginx/nginx-rtmp.conf</c>.
/// Streams are plain <c>rtmp://127.0.0.1:port/live/&lt;run&gt;-c&lt;N&gt;-a|b</c> (nginx-rtmp has no signed URLs
/// nor HTTP-FLV in Debian's module).
/// </summary>
public sealed class NginxTarget : ITarget
{
    private readonly NginxRtmpServer? _server;
    private readonly string _liveBaseUrl;
    private readonly string _run = Guid.NewGuid().ToString("N")[..6];

    private NginxTarget(NginxRtmpServer? server, string liveBaseUrl, int? processId)
    {
        _server = server;
        _liveBaseUrl = liveBaseUrl.TrimEnd('/');
        ProcessId = processId;
    }

    /// <summary>Uses an RTMP server that is already running (<c>rtmp://127.0.0.1:port/live</c>).</summary>
    public static NginxTarget Attach(string liveBaseUrl, int? processId = null) => new(null, Loopback.Require(liveBaseUrl), processId);

    /// <inheritdoc />
    public string Name => "nginx-rtmp";

    /// <inheritdoc />
    public int? ProcessId { get; }

    /// <inheritdoc />
    public bool HoldsEarlyViewers => false;

    /// <summary>The config template path used (next to the executable, copied from loadtests/nginx).</summary>
    public static string DefaultConfigPath => Path.Combine(AppContext.BaseDirectory, "nginx", "nginx-rtmp.conf");

    /// <summary>Starts nginx with <paramref name="configPath"/> (default: <see cref="DefaultConfigPath"/>).</summary>
    public static async Task<NginxTarget> StartAsync(string? configPath = null)
    {
        if (!NginxRtmpServer.IsInstalled)
            throw new InvalidOperationException("nginx-rtmp is not installed: apt-get install nginx libnginx-mod-rtmp");
        var template = await File.ReadAllTextAsync(configPath ?? DefaultConfigPath).ConfigureAwait(false);
        var server = await NginxRtmpServer.StartAsync(template).ConfigureAwait(false);
        return new NginxTarget(server, server.LiveBaseUrl, server.ProcessId);
    }

    /// <inheritdoc />
    public Task<CallUrls> CreateCallAsync(int index, CancellationToken cancellationToken)
    {
        StreamUrls Stream(string side) => new($"{_liveBaseUrl}/{_run}-c{index}-{side}", $"{_liveBaseUrl}/{_run}-c{index}-{side}", null);
        return Task.FromResult(new CallUrls($"{_run}-c{index}", Stream("a"), Stream("b")));
    }

    /// <inheritdoc />
    public Task EndCallAsync(CallUrls call, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _server?.DisposeAsync() ?? ValueTask.CompletedTask;
}

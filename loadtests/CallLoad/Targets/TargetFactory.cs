namespace CallLoad.Targets;

/// <summary>Which system to measure.</summary>
public enum TargetKind
{
    /// <summary>Our CallService (relay embedded).</summary>
    CallService,
    /// <summary>nginx-rtmp (Debian libnginx-mod-rtmp).</summary>
    Nginx,
}

/// <summary>How to reach or start a target (from the command line).</summary>
public sealed record TargetSpec
{
    /// <summary>The kind of system.</summary>
    public TargetKind Kind { get; init; } = TargetKind.CallService;
    /// <summary>Attach instead of starting: <c>http://127.0.0.1:port</c> (CallService) or <c>rtmp://127.0.0.1:port/live</c>.</summary>
    public string? TargetUrl { get; init; }
    /// <summary>API key of an attached CallService.</summary>
    public string? ApiKey { get; init; }
    /// <summary>Process id of an attached target, for CPU/RSS.</summary>
    public int? TargetPid { get; init; }
    /// <summary>CallService.dll to start (default: the repo's Release build).</summary>
    public string? ServiceDll { get; init; }
    /// <summary>Wait for CallService's RTMP port too (media scenarios); signaling sets it false.</summary>
    public bool RequireRelay { get; init; } = true;
    /// <summary>Extra environment of a CallService the tool starts (runtime settings for A/B runs).</summary>
    public IReadOnlyDictionary<string, string>? ServiceEnvironment { get; init; }
    /// <summary>nginx config template (default: loadtests/nginx/nginx-rtmp.conf).</summary>
    public string? NginxConfig { get; init; }
}

/// <summary>Starts or attaches to the target a run asks for.</summary>
public static class TargetFactory
{
    /// <summary>Starts (or attaches to) <paramref name="spec"/>.</summary>
    public static async Task<ITarget> CreateAsync(TargetSpec spec)
    {
        if (spec.TargetUrl is { } url)
        {
            Loopback.Require(url);
            if (url.StartsWith("rtmp://", StringComparison.OrdinalIgnoreCase))
                return NginxTarget.Attach(url, spec.TargetPid);
            return CallServiceTarget.Attach(new Uri(url), spec.ApiKey ?? throw new ArgumentException("--api-key is required with an http --target-url."),
                spec.TargetPid);
        }
        return spec.Kind switch
        {
            TargetKind.Nginx => await NginxTarget.StartAsync(spec.NginxConfig).ConfigureAwait(false),
            _ => await CallServiceTarget.StartAsync(spec.ServiceDll, requireRelay: spec.RequireRelay, environment: spec.ServiceEnvironment).ConfigureAwait(false),
        };
    }
}

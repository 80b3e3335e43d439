using System.Diagnostics;

namespace CallService.Media.ProcessMode;

/// <summary>
/// How the relay process is started: <c>Media:RelayExecutable</c> (a native binary, or a <c>.dll</c> run with
/// <c>dotnet</c>), else <c>CallMedia.Relay</c> beside this service's binaries (the Native AOT binary when it was
/// published there), else <c>dotnet CallMedia.Relay.dll</c> beside them. Its configuration is this service's
/// <c>Media</c> section, passed as environment variables (<c>Media__Rtmp__Port</c>, …, never on the command line),
/// plus the control socket's path; the URL signing keys stay here (the relay asks this service to decide).
/// </summary>
internal static class RelayLaunch
{
    /// <summary>The configuration key of the executable.</summary>
    public const string ExecutableKey = "Media:RelayExecutable";

    /// <summary>Media keys the relay has no use for: the URL signing keys (the coordinator checks signatures) and the launch's own.</summary>
    private static readonly HashSet<string> NotPassed = new(StringComparer.OrdinalIgnoreCase)
    {
        ExecutableKey, "Media:PushKey", "Media:PlayKey", MediaHosting.ModeKey,
        RelayRestartOptions.InitialDelayKey, RelayRestartOptions.MaxDelayKey, RelayRestartOptions.SectionKey,
    };

    /// <summary>Environment variables of this process that must not reach the relay (they would move its web server).</summary>
    private static readonly string[] NotInherited = ["ASPNETCORE_URLS", "DOTNET_URLS", "URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "HTTP_PORTS", "HTTPS_PORTS"];

    /// <summary>
    /// The start info of a relay process that connects to <paramref name="socketPath"/>; <paramref name="overrides"/>
    /// (configuration keys, e.g. <c>Media:Rtmp:Port</c> of a restart) replace the configured values.
    /// </summary>
    /// <exception cref="InvalidOperationException">No relay executable found.</exception>
    public static ProcessStartInfo StartInfo(IConfiguration configuration, string socketPath,
        IReadOnlyDictionary<string, string>? overrides = null)
    {
        var (file, arguments) = Executable(configuration[ExecutableKey]);
        var psi = new ProcessStartInfo(file) { UseShellExecute = false };
        foreach (var argument in arguments) psi.ArgumentList.Add(argument);
        foreach (var name in NotInherited) psi.Environment.Remove(name);
        foreach (var name in psi.Environment.Keys.Where(k => k.StartsWith("Media__", StringComparison.OrdinalIgnoreCase)).ToList())
            psi.Environment.Remove(name); // replaced by the effective Media section below, without what it must not see
        foreach (var (key, value) in configuration.GetSection("Media").AsEnumerable())
            if (value is not null && !NotPassed.Contains(key))
                psi.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
            psi.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        psi.Environment["Media__ControlSocket"] = socketPath;
        // Inline socket completions: publish → fan-out → send on the epoll thread; safe in the relay, which never
        // blocks on one (CallMedia/Hosting/SocketThreads). An explicit setting in this environment wins.
        if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
            psi.Environment["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = "1";
        return psi;
    }

    private static (string File, string[] Arguments) Executable(string? configured)
    {
        if (configured is { Length: > 0 })
            return configured.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? ("dotnet", [configured]) : (configured, []);
        var native = Path.Combine(AppContext.BaseDirectory, "CallMedia.Relay");
        if (File.Exists(native)) return (native, []);
        var dll = Path.Combine(AppContext.BaseDirectory, "CallMedia.Relay.dll");
        if (File.Exists(dll)) return ("dotnet", [dll]);
        throw new InvalidOperationException(
            $"{MediaHosting.ModeKey}=process, but no relay executable: set {ExecutableKey} or put CallMedia.Relay beside {AppContext.BaseDirectory}.");
    }
}

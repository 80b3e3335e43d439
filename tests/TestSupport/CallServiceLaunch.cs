using System.Diagnostics;

namespace TestSupport;

/// <summary>
/// How the tests start the real CallService process (the built dll, as a user starts it): Production environment,
/// Kestrel on <c>http://127.0.0.1:{httpPort}</c>, the relay on <c>rtmpPort</c>, no start-up warm-up unless a setting asks
/// for one (<c>Startup:WarmUpLifecycles</c>, 1,000 by default in Production), and each setting as an environment
/// variable (<c>Storage:DataDirectory</c> → <c>Storage__DataDirectory</c>, as ASP.NET Core's configuration reads it).
/// </summary>
public static class CallServiceLaunch
{
    /// <summary>The start info (output redirected, no shell); later settings of the same key win.</summary>
    public static ProcessStartInfo StartInfo(int httpPort, int rtmpPort, string workingDirectory,
        params IEnumerable<KeyValuePair<string, string>>[] settings)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { RepoPaths.ServiceDll },
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{httpPort}";
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["Media__Rtmp__Port"] = rtmpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["Startup__WarmUpLifecycles"] = "0"; // each start 7–9 s sooner; a test of the warm-up sets it
        foreach (var set in settings)
            foreach (var (key, value) in set)
                info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        return info;
    }
}

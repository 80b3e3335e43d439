using System.Diagnostics;
using System.Runtime;
using System.Security.Cryptography;
using CallService.Media;

namespace CallService.Hosting.WarmUp;

/// <summary>
/// <c>Startup:WarmUpLifecycles</c> (default 0: off): before the node opens its own ports, it runs this many call lifecycles
/// (<see cref="WarmUpLifecycles"/>) against a throwaway node in the same process — its own data directory in a temp
/// folder (SQLite), its own API key, loopback port 0 for HTTP and RTMP, nothing of the node's configuration (no
/// webhooks, no PostgreSQL, no cluster) and no log output — then stops it and deletes its folder. What stays is the
/// compiled code: the same methods serve the real node, so its first requests under load do not wait for the JIT
/// (a cold node's first 10 s at 500 lifecycles/s had p99 1.5 s against 0.1–0.4 s later: docs/performance-notes.md).
/// No record, CDR, event, webhook or metric of the warm-up reaches the node (its meters are the throwaway host's).
/// </summary>
/// <remarks>
/// The warm-up's PostgreSQL code paths stay cold (it writes to SQLite). A warm-up that fails or takes longer than
/// <see cref="Timeout"/> is given up with one warning line; the start goes on.
/// </remarks>
internal static class StartupWarmUp
{
    public const string Key = "Startup:WarmUpLifecycles";
    public const int MaxLifecycles = 10_000;

    /// <summary>The longest the warm-up may take, JIT settling included.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Reads <see cref="Key"/>: a whole number 0–<see cref="MaxLifecycles"/>, else <see cref="StartupException"/>.</summary>
    public static int LifecyclesFrom(IConfiguration configuration)
    {
        var value = configuration[Key];
        if (string.IsNullOrEmpty(value)) return 0;
        if (!int.TryParse(value, out var count) || count is < 0 or > MaxLifecycles)
            throw new StartupException($"{Key} must be a whole number from 0 to {MaxLifecycles} (got '{value}').");
        return count;
    }

    /// <summary>Runs the warm-up <paramref name="configuration"/> asks for (nothing when 0) and writes one line to <paramref name="log"/>.</summary>
    public static async Task RunAsync(IConfiguration configuration, ILogger log)
    {
        var count = LifecyclesFrom(configuration);
        if (count == 0) return;
        var started = Stopwatch.GetTimestamp();
        var (methods, jit) = (JitInfo.GetCompiledMethodCount(), JitInfo.GetCompilationTime());
        var folder = Directory.CreateTempSubdirectory("callservice-warm-up-");
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await RunAgainstThrowawayNodeAsync(folder.FullName, count, timeout.Token).ConfigureAwait(false);
            await SettleJitAsync(timeout.Token).ConfigureAwait(false);
            log.LogInformation("Warm-up: {Count} call lifecycles on a throwaway node in {Ms:F0} ms ({Methods} methods compiled, {JitMs:F0} ms of JIT); nothing of them kept",
                count, Stopwatch.GetElapsedTime(started).TotalMilliseconds, JitInfo.GetCompiledMethodCount() - methods,
                (JitInfo.GetCompilationTime() - jit).TotalMilliseconds);
        }
        catch (Exception e) when (e is not StartupException)
        {
            log.LogWarning("Warm-up given up after {Ms:F0} ms ({Error}); the node starts cold",
                Stopwatch.GetElapsedTime(started).TotalMilliseconds, timeout.IsCancellationRequested ? "took too long" : e.GetType().Name + ": " + e.Message);
        }
        finally
        {
            try { folder.Delete(recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    private static async Task RunAgainstThrowawayNodeAsync(string dataDirectory, int count, CancellationToken cancellationToken)
    {
        var apiKey = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear(); // nothing of the node's settings: its webhooks, database, cluster
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Storage:Provider"] = "sqlite",
            ["Storage:DataDirectory"] = dataDirectory,
            ["Auth:ApiKeys:0"] = apiKey,
            ["Media:Mode"] = "inprocess",
            ["Media:Rtmp:ListenAddress"] = "127.0.0.1",
            ["Media:Rtmp:Port"] = "0",
            ["Cluster:NodeId"] = "warm-up",
        });
        builder.Logging.ClearProviders();
        builder.UseCallServiceDefaults();
        builder.Services.AddCallMediaHost(builder.Configuration);
        builder.Services.AddCallCoordinator(builder.Configuration);
        await using var node = builder.Build();
        node.UseCallCoordinator();
        node.MapCallCoordinator();
        node.MapCallMediaHost(node.Configuration);
        await node.StartAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(node.Urls.First().TrimEnd('/') + "/") };
            await new WarmUpLifecycles(http, apiKey).RunAsync(count, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await node.StopAsync(stopping.Token).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits until the tiered JIT's background work has settled (fewer than 5 methods compiled in 250 ms), at most
    /// 5 s: methods called often enough during the warm-up are recompiled optimised in the background meanwhile.
    /// </summary>
    private static async Task SettleJitAsync(CancellationToken cancellationToken)
    {
        var last = JitInfo.GetCompiledMethodCount();
        for (var i = 0; i < 20; i++)
        {
            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
            var now = JitInfo.GetCompiledMethodCount();
            if (now - last < 5) return;
            last = now;
        }
    }
}

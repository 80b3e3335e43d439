using System.Diagnostics;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using CallMedia.Logging;
using CallService.Media;
using CallService.Storage;
using CallService.Storage.Postgres;
using Npgsql;

namespace CallService.Hosting.WarmUp;

/// <summary>
/// <c>Startup:WarmUpLifecycles</c> (default <see cref="DefaultLifecycles"/> for the service's own process outside the
/// Development environment, on either store; else 0: off): before the node opens its own ports, it runs this many call lifecycles
/// (<see cref="WarmUpLifecycles"/>) against a throwaway node in the same process — its own data directory in a temp
/// folder, its own store (SQLite in that folder; for a PostgreSQL node a throwaway schema of the node's database,
/// <see cref="PostgresWarmUpSchema"/>), its own API key and keys, loopback port 0 for HTTP and RTMP, nothing else of the
/// node's configuration (no webhooks, no cluster) and no log output — then stops it, deletes its folder and drops its
/// schema. What stays is the
/// compiled code: the same methods serve the real node, so its first requests under load do not wait for the JIT
/// (a cold node's first 10 s at 500 lifecycles/s had p99 1.5 s against 0.1–0.4 s later: docs/performance-notes.md).
/// It runs before the node itself is built: no record, CDR, event, webhook or metric of the warm-up reaches the node
/// (its meters are the throwaway host's, and the process-wide store meter has no listener yet).
/// </summary>
/// <remarks>
/// A PostgreSQL node whose database user may not create a schema is warmed on SQLite (the line says why): its
/// PostgreSQL code paths then meet their first calls under traffic. (Measured at 1,000 lifecycles/s on 2 cores against
/// the SQLite warm-up: a node's first 4 s cost ≈ 5 % less CPU per lifecycle with the schema's in 6 of 7 pairs, its first
/// 10 s not measurably less; what dominates them is per-service-provider one-time work that no throwaway node can do
/// for the real one; docs/performance-notes.md, sessions 16 and 17.) With dynamic PGO (on since session 15, <c>CallService.csproj</c>) the code is compiled with the
/// warm-up's profile. A warm-up that fails or takes longer than
/// <see cref="Timeout"/> (plus the throwaway node's stop and its schema's drop, at most 10 s each) is given up; the start goes on.
/// </remarks>
internal static class StartupWarmUp
{
    public const string Key = "Startup:WarmUpLifecycles";
    public const int MaxLifecycles = 10_000;

    /// <summary>
    /// The default for a node in its own process outside Development. With dynamic PGO on, a hot method goes through
    /// tiers (quick or precompiled code, an instrumented tier, then code optimised with its profile): 1,000 lifecycles
    /// let the shared code reach its optimised tier before the node takes traffic. Its first 10 s at 1,000 lifecycles/s
    /// then cost no more CPU per lifecycle than a node's first 10 s without PGO and with 300 lifecycles, where PGO after
    /// only 300 cost 1.4–1.6× that (docs/performance-notes.md, sessions 13 and 15). They take ≈ 7–9 s on a quiet 2-core
    /// machine.
    /// </summary>
    public const int DefaultLifecycles = 1000;

    /// <summary>The longest the warm-up may take, JIT settling included.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Reads <see cref="Key"/>: a whole number 0–<see cref="MaxLifecycles"/>, else <see cref="StartupException"/>.
    /// Unset, it is <see cref="DefaultLifecycles"/> when the service is its own process (<c>dotnet CallService.dll</c>)
    /// and <paramref name="environment"/> is not Development, with either store; 0 in Development and in a host of the
    /// tests' (<c>WebApplicationFactory</c>, whose settings reach the node only when it is built, after the warm-up).
    /// (Before dynamic PGO was turned on it was also 0 on PostgreSQL, where a node warmed on SQLite without PGO used
    /// ≈ 5 % more CPU per lifecycle: docs/performance-notes.md, session 8.)
    /// </summary>
    public static int LifecyclesFrom(IConfiguration configuration, IHostEnvironment environment) =>
        WholeNumberSetting.Read(configuration, Key, 0, MaxLifecycles,
            fallback: StartupFailure.IsOwnProcess && !environment.IsDevelopment() ? DefaultLifecycles : 0);

    /// <summary>
    /// Runs the warm-up <paramref name="configuration"/> asks for (or the default, see <see cref="LifecyclesFrom"/>) and
    /// returns how it ended and the line to log about it (null when 0).
    /// Throws only <see cref="StartupException"/> for a value out of range; a warm-up that fails for any other reason
    /// (no temp folder, the throwaway node's own start, a request) or outlasts <see cref="Timeout"/> is given up, and
    /// the line says so: the node starts cold. A SIGTERM or SIGINT meanwhile stops the warm-up (its node stopped, its
    /// folder deleted) and the outcome says the process is to exit: no node has been built to drain.
    /// </summary>
    public static async Task<WarmUpOutcome?> RunAsync(IConfiguration configuration, IHostEnvironment environment)
    {
        var count = LifecyclesFrom(configuration, environment);
        if (count == 0) return null;
        var started = Stopwatch.GetTimestamp();
        var (methods, jit) = (JitInfo.GetCompiledMethodCount(), JitInfo.GetCompilationTime());
        DirectoryInfo? folder = null;
        PostgresWarmUpSchema? schema = null;
        var stop = new CancellationTokenSource(); // not disposed: a handler already running may still cancel it
        var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        WarmUpOutcome outcome;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop.Token))
        {
            timeout.CancelAfter(Timeout);
            try
            {
                folder = Directory.CreateTempSubdirectory("callservice-warm-up-");
                var (created, store, asMeant) = await ThrowawayStoreAsync(configuration, timeout.Token).ConfigureAwait(false);
                schema = created;
                await RunAgainstThrowawayNodeAsync(configuration, folder.FullName, schema, count, timeout.Token).ConfigureAwait(false);
                if (schema is not null)
                {
                    var (dropped, what) = await DropAsync(schema).ConfigureAwait(false);
                    (schema, store, asMeant) = (null, $"{store}, {what}", asMeant && dropped);
                }
                await SettleJitAsync(timeout.Token).ConfigureAwait(false);
                outcome = new(asMeant ? WarmUpEnd.Done : WarmUpEnd.DoneWithWarning, $"Warm-up: {count} call lifecycles on a throwaway node in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms " +
                       $"({JitInfo.GetCompiledMethodCount() - methods} methods compiled, {(JitInfo.GetCompilationTime() - jit).TotalMilliseconds:F0} ms of JIT; {store}); nothing of them kept");
            }
            catch (Exception e)
            {
                var reason = timeout.IsCancellationRequested ? "took too long" : e.GetType().Name + ": " + LogText.Escape(e.Message);
                if (schema is not null)
                    reason += $"; schema {schema.Name} {(await DropAsync(schema).ConfigureAwait(false)).What}";
                outcome = new(WarmUpEnd.GivenUp, $"Warm-up given up after {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms ({reason}); the node starts cold");
            }
            finally
            {
                try { folder?.Delete(recursive: true); }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
        }
        // From here a signal gets the runtime's own handling (the process ends) until the host registers its lifetime;
        // one taken by the warm-up up to now, even after its work ended, stops the start.
        sigterm.Dispose();
        sigint.Dispose();
        if (stop.IsCancellationRequested)
            return new(WarmUpEnd.Stopped, $"Warm-up stopped after {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms by a stop signal; the node does not start");
        return outcome;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true; // this process ends by returning from Main once the warm-up has cleaned up
            stop.Cancel();
        }
    }

    /// <summary>
    /// The throwaway node's store, the words the line gives it, and whether it is the one meant for this node: for a
    /// node with <c>Storage:Provider=postgres</c> a new <see cref="PostgresWarmUpSchema"/> in its database; when the
    /// server refuses one (no <c>CREATE</c> privilege) or the schema would not be the throwaway node's only one, SQLite
    /// (not as meant); else SQLite. A database that cannot be reached at all throws: the warm-up is given up at once,
    /// and the node's own start says what is wrong.
    /// </summary>
    private static async Task<(PostgresWarmUpSchema? Schema, string Store, bool AsMeant)> ThrowawayStoreAsync(
        IConfiguration configuration, CancellationToken cancellationToken)
    {
        if (CallStoreRegistration.ProviderFrom(configuration) != "postgres"
            || configuration["Storage:Postgres:ConnectionString"] is not { Length: > 0 } connectionString)
            return (null, "on SQLite", true);
        try
        {
            var schema = await PostgresWarmUpSchema.CreateAsync(connectionString, cancellationToken).ConfigureAwait(false);
            return (schema, $"on PostgreSQL in schema {schema.Name}", true);
        }
        catch (Exception e) when (e is PostgresException or PostgresWarmUpSchema.NotIsolatedException or ArgumentException)
        {
            // Npgsql's messages name the host and the failure, never the password.
            return (null, $"on SQLite: no throwaway PostgreSQL schema ({LogText.Escape(e.Message.TrimEnd('.'))})", false);
        }
    }

    /// <summary>Drops <paramref name="schema"/> (at most 10 s); never throws. Returns whether it went and the words for the line.</summary>
    private static async Task<(bool Dropped, string What)> DropAsync(PostgresWarmUpSchema schema)
    {
        try
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await schema.DropAsync(limit.Token).ConfigureAwait(false);
            return (true, "dropped");
        }
        catch (Exception e)
        {
            return (false, $"not dropped ({e.GetType().Name}: {LogText.Escape(e.Message.TrimEnd('.'))}): a later start drops it");
        }
    }

    private static async Task RunAgainstThrowawayNodeAsync(IConfiguration configuration, string dataDirectory, PostgresWarmUpSchema? schema, int count,
        CancellationToken cancellationToken)
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
            ["WebRtc:Enabled"] = "false", // no gateway check process, nothing on the console
        });
        if (schema is not null)
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Storage:Provider"] = "postgres",
                ["Storage:Postgres:ConnectionString"] = schema.ConnectionString,
                ["Storage:Postgres:Writers"] = configuration["Storage:Postgres:Writers"], // the node's own writer loops
                ["Auth:TokenSigningKey"] = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)),
                ["Media:PushKey"] = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)),
                ["Media:PlayKey"] = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)),
            });
        builder.Logging.ClearProviders();
        // Not the console lifetime: it would take the process's SIGTERM/SIGINT for this node, which nobody waits on, so
        // a stop signal during the warm-up would be lost and the real node would start; RunAsync handles them instead.
        builder.Services.AddSingleton<IHostLifetime, UnsignalledLifetime>();
        builder.UseCallServiceDefaults();
        builder.Services.AddCallMediaHost(builder.Configuration);
        builder.Services.AddCallCoordinator(builder.Configuration);
        if (schema is not null)
        {
            // Its notifications reach no node: without this override the warm-up would notify on the cluster's channel.
            var postgres = builder.Services.LastOrDefault(d => d.ServiceType == typeof(PostgresStorageOptions))?.ImplementationInstance as PostgresStorageOptions
                ?? throw new InvalidOperationException("The PostgreSQL store's options are not registered as an instance: the warm-up cannot give it a channel of its own.");
            builder.Services.AddSingleton(postgres with { EventChannel = schema.Name });
        }
        await using var node = builder.Build();
        node.UseCallCoordinator();
        node.MapCallCoordinator();
        node.MapCallMediaHost(node.Configuration);
        await node.StartAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri(node.Urls.First().TrimEnd('/') + "/") };
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

    /// <summary>A host lifetime that registers no signal handler: the warm-up starts and stops its node itself.</summary>
    private sealed class UnsignalledLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

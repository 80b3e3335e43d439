using System.Net;
using CallService.Cluster;
using CallService.Hosting;
using CallService.Storage.Postgres;
using CallService.Storage.Sqlite;

namespace CallService.Storage;

/// <summary>
/// Chooses the <see cref="ICallStore"/> from <c>Storage:Provider</c>: <c>sqlite</c> (default; one node, a file in the
/// data directory) or <c>postgres</c> (any number of nodes sharing one database). Configuration mistakes stop the start
/// with one line naming the key (<see cref="StartupException"/>).
/// </summary>
internal static class CallStoreRegistration
{
    /// <summary>Keys every PostgreSQL node must be given, the same on every node: a key generated into one node's data
    /// directory (as a single SQLite node does) would be unknown to the others, whose tokens and stream signatures it
    /// checks.</summary>
    public static readonly string[] SharedKeys = ["Auth:TokenSigningKey", "Media:PushKey", "Media:PlayKey"];

    /// <summary>
    /// <c>Storage:Provider</c> as configured, trimmed and in lowercase (<c>sqlite</c> when unset): <c>sqlite</c>,
    /// <c>postgres</c>, or a mistake that <see cref="AddCallStore"/> refuses.
    /// </summary>
    public static string ProviderFrom(IConfiguration configuration) =>
        configuration["Storage:Provider"] is { Length: > 0 } p ? p.Trim().ToLowerInvariant() : "sqlite";

    public static IServiceCollection AddCallStore(this IServiceCollection services, IConfiguration configuration)
    {
        var provider = ProviderFrom(configuration);
        services.PostConfigure<ClusterOptions>(o =>
        {
            if (string.IsNullOrWhiteSpace(o.NodeId)) o.NodeId = DefaultNodeId(configuration);
        });
        switch (provider)
        {
            case "sqlite":
                var window = WholeNumberSetting.Read(configuration, "Storage:Sqlite:CommitWindowMilliseconds",
                    0, SqliteStorageOptions.MaxCommitWindowMilliseconds, fallback: SqliteStorageOptions.DefaultCommitWindowMilliseconds);
                services.AddSingleton(new SqliteStorageOptions(TimeSpan.FromMilliseconds(window)));
                services.AddSingleton<ICallStore, SqliteCallStore>();
                return services;
            case "postgres":
                var missing = SharedKeys.Where(k => string.IsNullOrWhiteSpace(configuration[k])).ToList();
                if (missing.Count > 0)
                    throw new StartupException(
                        $"Storage:Provider=postgres needs {string.Join(", ", missing)} configured, the same on every node.");
                var connectionString = configuration["Storage:Postgres:ConnectionString"];
                if (string.IsNullOrWhiteSpace(connectionString))
                    throw new StartupException("Storage:Provider=postgres needs Storage:Postgres:ConnectionString (Npgsql syntax).");
                var writers = configuration.GetValue("Storage:Postgres:Writers", PostgresGroupCommit.DefaultWriters);
                if (writers is < 1 or > PostgresGroupCommit.MaxWriters)
                    throw new StartupException($"Storage:Postgres:Writers must be 1–{PostgresGroupCommit.MaxWriters}, not {writers}.");
                services.AddSingleton(new PostgresStorageOptions(connectionString, writers));
                services.AddSingleton<ICallStore, PostgresCallStore>();
                return services;
            default:
                throw new StartupException($"Storage:Provider must be sqlite or postgres, not '{provider}'.");
        }
    }

    /// <summary>
    /// <c>Cluster:NodeId</c> when not configured: the host name and the HTTP port of the first listening URL
    /// (<c>--urls</c>, <c>ASPNETCORE_URLS</c>, or <see cref="CallServiceHosting.DefaultUrls"/>), e.g. <c>node-a:8080</c>.
    /// A dynamic port (<c>:0</c>) is not known yet: the process id stands in for it.
    /// </summary>
    public static string DefaultNodeId(IConfiguration configuration)
    {
        var urls = configuration[WebHostDefaults.ServerUrlsKey] is { Length: > 0 } u ? u : CallServiceHosting.DefaultUrls;
        var first = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        // "http://+:80" and "http://*:80" are not valid URIs for Uri: take the text after the last ':' as the port.
        var colon = first.LastIndexOf(':');
        var port = colon >= 0 && int.TryParse(first.AsSpan(colon + 1).TrimEnd('/'), out var n) ? n : 0;
        return $"{Dns.GetHostName()}:{(port > 0 ? port.ToString(System.Globalization.CultureInfo.InvariantCulture) : "pid" + Environment.ProcessId)}";
    }
}

using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using CallService.Tests.Support.Postgres;

namespace TestSupport.Storage;

/// <summary>
/// The store the service hosts of a test run use: the environment variable <c>CALLSERVICE_TEST_STORAGE</c> is
/// <c>sqlite</c> (default: the data directory's <c>calls.db</c>) or <c>postgres</c>. With <c>postgres</c> one throwaway
/// <see cref="PostgresCluster"/> is started for the whole test process (by the first host that asks; stopped when the
/// process exits), and every data directory gets a database of its own (<c>CREATE DATABASE</c>), so hosts stay as
/// isolated as with one SQLite file each, and a host restarted on the same data directory finds its records again
/// under the same <c>Cluster:NodeId</c>.
/// </summary>
public static class TestStorage
{
    /// <summary>The environment variable that selects the provider.</summary>
    public const string Variable = "CALLSERVICE_TEST_STORAGE";

    /// <summary>The signing key every PostgreSQL host of the run shares (a node refuses to start without one).</summary>
    public const string TokenSigningKey = "test-token-signing-key-0123456789abcdef";

    /// <summary>The push key every PostgreSQL host of the run shares.</summary>
    public const string PushKey = "test-push-key-0123456789abcdef";

    /// <summary>The play key every PostgreSQL host of the run shares.</summary>
    public const string PlayKey = "test-play-key-0123456789abcdef";

    private static readonly Lazy<Task<PostgresCluster>> Cluster = new(StartClusterAsync);
    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> Databases = new(StringComparer.Ordinal);

    /// <summary>True when this run's hosts use PostgreSQL.</summary>
    public static bool IsPostgres { get; } =
        string.Equals(Environment.GetEnvironmentVariable(Variable), "postgres", StringComparison.OrdinalIgnoreCase);

    /// <summary>The provider's name, as the summary of a run shows it: <c>sqlite</c> or <c>postgres</c>.</summary>
    public static string Provider => IsPostgres ? "postgres" : "sqlite";

    /// <summary>
    /// The settings (configuration keys, <c>:</c>-separated) that put a host on this run's store: none for SQLite;
    /// for PostgreSQL the provider, the connection string of the data directory's own database, a node id fixed by
    /// the data directory, and the three shared keys. A test's own settings go over these.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, string>> SettingsForAsync(string dataDirectory)
    {
        if (!IsPostgres) return new Dictionary<string, string>();
        var name = NameFor(Path.GetFullPath(dataDirectory));
        var connectionString = await Databases.GetOrAdd(name, n => new Lazy<Task<string>>(() => CreateDatabaseAsync(n))).Value;
        return new Dictionary<string, string>
        {
            ["Storage:Provider"] = "postgres",
            ["Storage:Postgres:ConnectionString"] = connectionString,
            ["Cluster:NodeId"] = "node-" + name[2..10],
            ["Auth:TokenSigningKey"] = TokenSigningKey,
            ["Media:PushKey"] = PushKey,
            ["Media:PlayKey"] = PlayKey,
        };
    }

    /// <summary><see cref="SettingsForAsync"/> for constructors that cannot await.</summary>
    public static IReadOnlyDictionary<string, string> SettingsFor(string dataDirectory) =>
        Task.Run(() => SettingsForAsync(dataDirectory)).GetAwaiter().GetResult();

    private static string NameFor(string dataDirectory) =>
        "t_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(dataDirectory)))[..24];

    private static async Task<string> CreateDatabaseAsync(string name) =>
        await (await Cluster.Value).CreateDatabaseAsync(name);

    private static async Task<PostgresCluster> StartClusterAsync()
    {
        var cluster = new PostgresCluster();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.DisposeAsync().GetAwaiter().GetResult();
        await cluster.InitializeAsync();
        return cluster;
    }
}

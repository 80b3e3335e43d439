using System.Globalization;
using System.Security.Cryptography;
using CallService.Tests.Support.Postgres;

namespace CallLoad.Targets;

/// <summary>What <see cref="SignalingNodes"/> starts.</summary>
public sealed record SignalingNodesSpec
{
    /// <summary><c>sqlite</c> (one node, its own data directory) or <c>postgres</c> (a throwaway cluster shared by every node).</summary>
    public string Provider { get; init; } = "sqlite";
    /// <summary>CallService processes (more than one needs <c>postgres</c>).</summary>
    public int Nodes { get; init; } = 1;
    /// <summary>CallService.dll to start (default: the repo's Release build).</summary>
    public string? ServiceDll { get; init; }
    /// <summary>Extra environment of every node.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }
    /// <summary>taskset CPU list for the nodes and the database (null: not pinned).</summary>
    public string? ServerCpus { get; init; }
}

/// <summary>
/// One or more CallService nodes started by the tool for <c>signaling</c>. With <c>postgres</c>: a throwaway PostgreSQL
/// cluster (the tests' <see cref="PostgresCluster"/>: initdb/pg_ctl as the <c>postgres</c> user in a temporary
/// directory, a free loopback port), one database, and N nodes sharing it with one API key, one token-signing key, one
/// push and one play key (configuration.md: every node needs the same), each with its own <c>Cluster:NodeId</c>.
/// </summary>
public sealed class SignalingNodes : ISignalingTarget, IAsyncDisposable
{
    private readonly List<CallServiceTarget> _nodes = [];
    private PostgresCluster? _database;
    private string _provider = "sqlite";

    private SignalingNodes()
    {
    }

    /// <inheritdoc />
    public string Name => _nodes.Count == 1 ? $"callservice ({_provider})" : $"callservice ({_provider} ×{_nodes.Count})";

    /// <inheritdoc />
    public Uri BaseUrl => _nodes[0].BaseUrl;

    /// <inheritdoc />
    public string ApiKey => _nodes[0].ApiKey;

    /// <inheritdoc />
    public int? ProcessId => _nodes[0].ProcessId;

    /// <inheritdoc />
    public IReadOnlyList<Uri> NodeUrls => [.. _nodes.Select(n => n.BaseUrl)];

    /// <inheritdoc />
    public IReadOnlyList<int> ServerProcessIds => [.. _nodes.Select(n => n.ProcessId).OfType<int>()];

    /// <inheritdoc />
    public string? Provider => _provider;

    /// <inheritdoc />
    public IReadOnlyList<int> DatabaseProcessIds() => _database is null ? [] : PostgresProcesses(_database.DataDirectory);

    /// <summary>Starts the database (if any) and the nodes, one after another (the first creates the schema).</summary>
    public static async Task<SignalingNodes> StartAsync(SignalingNodesSpec spec)
    {
        var provider = spec.Provider.ToLowerInvariant();
        if (provider is not ("sqlite" or "postgres"))
            throw new ArgumentException($"--provider must be sqlite or postgres, not {spec.Provider}.");
        if (provider == "sqlite" && spec.Nodes != 1)
            throw new ArgumentException("--nodes above 1 needs --provider postgres (one node per SQLite file).");
        var nodes = new SignalingNodes { _provider = provider };
        try
        {
            var shared = new Dictionary<string, string>(spec.Environment ?? new Dictionary<string, string>());
            if (provider == "postgres")
            {
                nodes._database = new PostgresCluster();
                await nodes._database.InitializeAsync().ConfigureAwait(false);
                if (spec.ServerCpus is { } cpus)
                    foreach (var pid in nodes.DatabaseProcessIds())
                        Measuring.CpuPinning.Pin(pid, cpus);
                shared["Storage__Provider"] = "postgres";
                shared["Storage__Postgres__ConnectionString"] = await nodes._database.CreateDatabaseAsync("callload").ConfigureAwait(false);
                shared["Auth__TokenSigningKey"] = Key();
                shared["Media__PushKey"] = Key();
                shared["Media__PlayKey"] = Key();
            }
            var apiKey = "load-" + Guid.NewGuid().ToString("N");
            for (var i = 0; i < spec.Nodes; i++)
            {
                var environment = new Dictionary<string, string>(shared);
                if (provider == "postgres")
                    environment["Cluster__NodeId"] = "load-" + (i + 1).ToString(CultureInfo.InvariantCulture);
                nodes._nodes.Add(await CallServiceTarget.StartAsync(spec.ServiceDll, requireRelay: false, environment: environment,
                    apiKey: apiKey, cpus: spec.ServerCpus).ConfigureAwait(false));
            }
            return nodes;
        }
        catch
        {
            await nodes.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static string Key() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    /// <summary>
    /// The postmaster (first line of <c>postmaster.pid</c> in the data directory) and its children (backends,
    /// walwriter, checkpointer…: every process whose parent, field 4 of <c>/proc/&lt;pid&gt;/stat</c>, is the postmaster).
    /// </summary>
    private static IReadOnlyList<int> PostgresProcesses(string dataDirectory)
    {
        try
        {
            var postmaster = int.Parse(File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).First().Trim(), CultureInfo.InvariantCulture);
            var pids = new List<int> { postmaster };
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                    continue;
                try
                {
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    if (int.Parse(fields[1], CultureInfo.InvariantCulture) == postmaster)
                        pids.Add(pid);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                }
            }
            return pids;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
        {
            return [];
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
            await node.DisposeAsync().ConfigureAwait(false);
        _nodes.Clear();
        if (_database is not null)
            await _database.DisposeAsync().ConfigureAwait(false);
        _database = null;
    }
}

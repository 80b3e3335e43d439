using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

namespace CallService.Tests.Support.Postgres;

/// <summary>
/// A throwaway PostgreSQL cluster started by the tests themselves: Debian's <c>initdb</c>/<c>pg_ctl</c> (package
/// <c>postgresql</c>, installed by <c>test.sh</c>) in a temporary directory, listening on 127.0.0.1 only, on a free
/// port, with its Unix socket in that directory, a random password (SCRAM) for the <c>postgres</c> role, and durability
/// off (fsync, synchronous_commit: nothing here needs to survive a crash). Run as the <c>postgres</c> user when the
/// tests run as root (initdb refuses root). Stopped (<c>-m immediate</c>) and deleted on dispose; never a shared server.
/// </summary>
public sealed class PostgresCluster : IAsyncLifetime
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(120);
    private readonly string _password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    private string? _root;
    private bool _started;

    /// <summary>Directory of the PostgreSQL server programs (<c>initdb</c>, <c>pg_ctl</c>, <c>postgres</c>).</summary>
    public string BinDirectory { get; } = FindBinDirectory();

    /// <summary>The cluster's data directory (inside a temporary directory).</summary>
    public string DataDirectory => Path.Combine(_root ?? throw new InvalidOperationException("not started"), "data");

    /// <summary>The TCP port on 127.0.0.1.</summary>
    public int Port { get; private set; }

    /// <summary>Npgsql connection string to the <c>postgres</c> database as the <c>postgres</c> role.</summary>
    public string ConnectionString => ConnectionStringFor("postgres");

    /// <summary>Connection string to <paramref name="database"/> on this cluster.</summary>
    public string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1", Port = Port, Username = "postgres", Password = _password, Database = database,
        Timeout = 15, CommandTimeout = 30,
    }.ConnectionString;

    /// <summary>Creates an empty database (one per test class keeps contract tests apart) and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name.Replace("\"", "\"\"")}\"", connection);
        await create.ExecuteNonQueryAsync();
        return ConnectionStringFor(name);
    }

    public async Task InitializeAsync()
    {
        _root = Directory.CreateTempSubdirectory("callservice-pg-").FullName;
        var passwordFile = Path.Combine(_root, "pwfile");
        await File.WriteAllTextAsync(passwordFile, _password + "\n");
        if (RunsAsRoot) await RunAsync("chown", ["-R", "postgres:postgres", _root]);
        await RunServerProgramAsync("initdb",
            ["-D", DataDirectory, "-U", "postgres", "--auth=scram-sha-256", $"--pwfile={passwordFile}", "-E", "UTF8", "--no-locale", "--no-sync"]);
        File.Delete(passwordFile);

        // A free port can be taken between the probe and the bind: try a few.
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort();
            var options = $"-p {Port} -k {_root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300";
            try
            {
                await RunServerProgramAsync("pg_ctl", ["-D", DataDirectory, "-l", Path.Combine(_root, "server.log"), "-o", options, "-w", "-t", "60", "start"]);
                _started = true;
                return;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (_root is null) return;
        try
        {
            if (_started)
                await RunServerProgramAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "-t", "60", "stop"]);
        }
        finally
        {
            try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>The server log so far (for failure messages).</summary>
    public string ServerLog => _root is not null && File.Exists(Path.Combine(_root, "server.log")) ? File.ReadAllText(Path.Combine(_root, "server.log")) : "";

    private static bool RunsAsRoot => Environment.UserName == "root";

    private Task RunServerProgramAsync(string program, IReadOnlyList<string> arguments) =>
        RunsAsRoot
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(BinDirectory, program), .. arguments])
            : RunAsync(Path.Combine(BinDirectory, program), arguments);

    // Its own small process runner and port probe rather than ProcessRun/FreePort: loadtests/CallLoad compiles this
    // one file as a link (with stand-ins for xUnit's fixture types), so it uses nothing else of TestSupport.
    private async Task RunAsync(string file, IReadOnlyList<string> arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} did not finish in {CommandTimeout.TotalSeconds} s");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException(
                $"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await stdout}{await stderr}\n{ServerLog}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Debian's layout: <c>/usr/lib/postgresql/{major}/bin</c>, the newest major; <c>PG_BIN</c> overrides.</summary>
    private static string FindBinDirectory()
    {
        if (Environment.GetEnvironmentVariable("PG_BIN") is { Length: > 0 } configured) return configured;
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => (Major: int.TryParse(Path.GetFileName(d), out var m) ? m : -1, Bin: Path.Combine(d, "bin")))
                .Where(c => c.Major >= 0 && File.Exists(Path.Combine(c.Bin, "initdb")))
                .OrderByDescending(c => c.Major)
                .Select(c => c.Bin)
            : [];
        return candidates.FirstOrDefault() ?? throw new InvalidOperationException(
            "PostgreSQL server programs not found under /usr/lib/postgresql/*/bin: apt-get install postgresql (test.sh does), or set PG_BIN.");
    }
}

using System.Globalization;
using System.Security.Cryptography;
using Npgsql;

namespace CallService.Hosting.WarmUp;

/// <summary>
/// The throwaway store of a PostgreSQL node's warm-up: a schema of its own in the node's database, named
/// <c>callservice_warm_up_{unix seconds}_{8 hex}</c>, which the throwaway node reaches through its connection string's
/// <c>Search Path</c> (Npgsql docs, "Connection String Parameters") and whose name is also its event channel
/// (<see cref="Storage.Postgres.PostgresStorageOptions.EventChannel"/>). So the warm-up runs the node's own PostgreSQL
/// code — the store, its group commit, the event numbering and listener, Npgsql itself — while no row, event or
/// notification of it reaches the cluster: notifications are database-wide, the schema's tables are its own. Dropped
/// (<c>DROP SCHEMA … CASCADE</c>) when the warm-up ends; one that a killed start left behind is dropped by a later
/// warm-up once older than <see cref="Abandoned"/>.
/// </summary>
/// <remarks>
/// Needs the <c>CREATE</c> privilege on the database (PostgreSQL docs, "CREATE SCHEMA"; the database's owner has it).
/// Without it, <see cref="CreateAsync"/> throws <see cref="NpgsqlException"/> and the warm-up runs on SQLite instead,
/// as before: the code both stores share is warmed, the PostgreSQL store's is not.
/// </remarks>
internal sealed class PostgresWarmUpSchema
{
    /// <summary>The start of every warm-up schema's name.</summary>
    public const string Prefix = "callservice_warm_up_";

    /// <summary>
    /// Age past which a warm-up schema is taken for one a killed start left behind: far beyond a warm-up's longest run
    /// (<see cref="StartupWarmUp.Timeout"/> plus the throwaway node's stop), so a node starting beside this one keeps its own.
    /// </summary>
    public static readonly TimeSpan Abandoned = TimeSpan.FromMinutes(10);

    private readonly string _ownConnectionString;

    private PostgresWarmUpSchema(string name, string connectionString, string ownConnectionString) =>
        (Name, ConnectionString, _ownConnectionString) = (name, connectionString, ownConnectionString);

    /// <summary>The schema's name: a lowercase SQL identifier of 39 characters, also the throwaway node's event channel.</summary>
    public string Name { get; }

    /// <summary>The node's connection string with <c>Search Path</c> set to <see cref="Name"/>.</summary>
    public string ConnectionString { get; }

    /// <summary>
    /// Drops the warm-up schemas older than <see cref="Abandoned"/>, then creates a new one, on one unpooled connection
    /// made from <paramref name="connectionString"/> (the node's). Throws <see cref="NpgsqlException"/> when the
    /// database cannot be reached or the schema cannot be created.
    /// </summary>
    public static async Task<PostgresWarmUpSchema> CreateAsync(string connectionString, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var own = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, ApplicationName = "callservice-warm-up" }.ConnectionString;
        var seconds = now.ToUnixTimeSeconds();
        var name = Prefix + seconds.ToString(CultureInfo.InvariantCulture) + "_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        await using var connection = new NpgsqlConnection(own);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        foreach (var abandoned in await AbandonedAsync(connection, seconds, cancellationToken).ConfigureAwait(false))
            await ExecuteAsync(connection, $"DROP SCHEMA IF EXISTS {abandoned} CASCADE", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, $"CREATE SCHEMA {name}", cancellationToken).ConfigureAwait(false);
        var searchPath = new NpgsqlConnectionStringBuilder(connectionString) { SearchPath = name }.ConnectionString;
        return new PostgresWarmUpSchema(name, searchPath, own);
    }

    /// <summary>Drops the schema with everything in it. Throws <see cref="NpgsqlException"/> when it cannot.</summary>
    public async Task DropAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(_ownConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, $"DROP SCHEMA IF EXISTS {Name} CASCADE", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The warm-up schemas whose name gives a start more than <see cref="Abandoned"/> before <paramref name="nowSeconds"/>.</summary>
    private static async Task<List<string>> AbandonedAsync(NpgsqlConnection connection, long nowSeconds, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        await using var list = new NpgsqlCommand("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)", connection);
        list.Parameters.Add(new NpgsqlParameter { Value = Prefix });
        await using var rows = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await rows.ReadAsync(cancellationToken).ConfigureAwait(false))
            if (StartedAt(rows.GetString(0)) is { } started && nowSeconds - started > (long)Abandoned.TotalSeconds)
                names.Add(rows.GetString(0));
        return names;
    }

    /// <summary>The unix seconds in a warm-up schema's name, or null when the name is not one of ours in form.</summary>
    internal static long? StartedAt(string name)
    {
        if (!name.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        var rest = name.AsSpan(Prefix.Length);
        var underscore = rest.IndexOf('_');
        return underscore > 0 && rest[(underscore + 1)..] is { Length: 8 } hex && !hex.ContainsAnyExcept("0123456789abcdef")
            && long.TryParse(rest[..underscore], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? seconds : null;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}

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
/// Without it, or where the search path is not honoured, the warm-up runs on SQLite instead, as before: the code both
/// stores share is warmed, the PostgreSQL store's is not (the line says so, as a warning). What is shared with the
/// cluster: the migrations' transaction-scoped advisory locks (database-wide), so a node migrating at the same moment
/// waits for the warm-up's migration of its empty schema, a few milliseconds.
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
    /// Creates a new warm-up schema on one unpooled connection made from <paramref name="connectionString"/> (the
    /// node's), named by the database's clock (so every node's sweep agrees on ages), checks that a connection with
    /// <see cref="ConnectionString"/> lands in it, then drops the warm-up schemas older than <see cref="Abandoned"/> (each
    /// alone, waiting at most 2 s for its locks; one that cannot be dropped is left for a later start).
    /// Throws <see cref="PostgresException"/> when the server refuses the schema (no <c>CREATE</c> privilege),
    /// <see cref="NotIsolatedException"/> when the search path is not honoured (e.g. a pooler that drops start-up
    /// parameters: the throwaway node would then write into the node's own tables; the schema is dropped again), and
    /// another <see cref="NpgsqlException"/> when the database cannot be reached.
    /// </summary>
    public static async Task<PostgresWarmUpSchema> CreateAsync(string connectionString, CancellationToken cancellationToken)
    {
        var own = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, ApplicationName = "callservice-warm-up" }.ConnectionString;
        await using var connection = new NpgsqlConnection(own);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        long seconds;
        await using (var clock = new NpgsqlCommand("SELECT extract(epoch FROM now())::bigint", connection))
            seconds = (long)(await clock.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        var name = Prefix + seconds.ToString(CultureInfo.InvariantCulture) + "_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        await ExecuteAsync(connection, $"CREATE SCHEMA {name}", cancellationToken).ConfigureAwait(false);
        var schema = new PostgresWarmUpSchema(name, new NpgsqlConnectionStringBuilder(connectionString) { SearchPath = name }.ConnectionString, own);
        try
        {
            await using var check = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(schema.ConnectionString) { Pooling = false }.ConnectionString);
            await check.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var current = new NpgsqlCommand("SELECT current_schema()", check);
            if (await current.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string != name)
                throw new NotIsolatedException($"a connection with Search Path={name} did not land in that schema");
        }
        catch
        {
            await ExecuteAsync(connection, $"DROP SCHEMA IF EXISTS {name} CASCADE", CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        try
        {
            await ExecuteAsync(connection, "SET lock_timeout = '2s'", cancellationToken).ConfigureAwait(false);
            foreach (var abandoned in await AbandonedAsync(connection, seconds, cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await ExecuteAsync(connection, $"DROP SCHEMA IF EXISTS {abandoned} CASCADE", cancellationToken).ConfigureAwait(false);
                }
                catch (PostgresException)
                {
                    // Another role's, or still in use: left for a later start.
                }
            }
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException)
        {
            // The sweep is best effort; the new schema is made and is the caller's to drop.
        }
        return schema;
    }

    /// <summary>A connection made for the warm-up's schema did not land in it: the throwaway node must not use it.</summary>
    internal sealed class NotIsolatedException(string message) : Exception(message);

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

using Microsoft.Data.Sqlite;
using Npgsql;

namespace CallService.Tests.Support;

/// <summary>SQLite's write lock held by another connection (as an operator's <c>sqlite3</c> shell in a transaction would).</summary>
public sealed class SqliteWriteLock : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;

    private SqliteWriteLock(string file)
    {
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString());
        _connection.Open();
        _transaction = _connection.BeginTransaction(deferred: false); // BEGIN IMMEDIATE: takes the write lock now
    }

    public static IDisposable Hold(string file) => new SqliteWriteLock(file);

    public void Dispose()
    {
        _transaction.Rollback();
        _transaction.Dispose();
        _connection.Dispose();
    }
}

/// <summary>A PostgreSQL database that refuses connections (<c>ALLOW_CONNECTIONS false</c>, its sessions terminated) until disposed.</summary>
public sealed class PostgresRefusal : IDisposable
{
    private readonly string _admin;
    private readonly string _database;

    private PostgresRefusal(string adminConnectionString, string database)
    {
        (_admin, _database) = (adminConnectionString, database);
        Exec($"ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS false");
        Exec($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'");
    }

    public static IDisposable Refuse(string adminConnectionString, string database) => new PostgresRefusal(adminConnectionString, database);

    public void Dispose() => Exec($"ALTER DATABASE \"{_database}\" ALLOW_CONNECTIONS true");

    private void Exec(string sql)
    {
        using var connection = new NpgsqlConnection(_admin);
        connection.Open();
        using var cmd = new NpgsqlCommand(sql, connection);
        cmd.ExecuteNonQuery();
    }
}

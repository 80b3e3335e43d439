using CallService.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace CallService.Tests.Storage;

/// <summary>
/// The store's prepared write statements (<see cref="SqliteStatement"/>): each value is stored as
/// <c>SqliteCommand</c> would store it (text, an empty text that stays text, NULL, integers, 1/0 for booleans, blobs),
/// a text of several statements runs them all and reports the rows they changed, a failure is a
/// <see cref="SqliteException"/> with SQLite's code and leaves the statement usable, and the statement runs in the
/// connection's open transaction.
/// </summary>
public sealed class SqliteStatementTests : IDisposable
{
    private readonly SqliteConnection _connection = new("Data Source=:memory:");
    private SqliteTransaction? _tx; // the store runs its statements in the writer's transaction; so do these tests

    public SqliteStatementTests()
    {
        _connection.Open();
        using var create = _connection.CreateCommand();
        create.CommandText = "CREATE TABLE t(k TEXT PRIMARY KEY, s TEXT, n INTEGER, b BLOB)";
        create.ExecuteNonQuery();
    }

    public void Dispose()
    {
        _tx?.Dispose();
        _connection.Dispose();
    }

    [Fact]
    public void Values_AreStoredWithTheTypesACommandGivesThem()
    {
        _tx = _connection.BeginTransaction();
        using var insert = new SqliteStatement(_connection, "INSERT INTO t(k, s, n, b) VALUES($k, $s, $n, $b)", "$k", "$s", "$n", "$b");
        Row(insert, "text", "héllo ✓", 42L, [1, 2, 3]);
        Row(insert, "empty", "", null, []);
        Row(insert, "null", null, long.MinValue, null);
        insert.Bind(0, "bool");
        insert.Bind(1, (string?)null);
        insert.Bind(2, true);
        insert.BindNull(3);
        Assert.Equal(1, insert.Execute());

        Assert.Equal(("text", "héllo ✓", "integer", "42", "blob", "010203"), Read("text"));
        Assert.Equal(("text", "", "null", "", "blob", ""), Read("empty"));
        Assert.Equal(("null", "", "integer", long.MinValue.ToString(), "null", ""), Read("null"));
        Assert.Equal(("null", "", "integer", "1", "null", ""), Read("bool"));
    }

    [Fact]
    public void SeveralStatements_AllRun_AndTheirChangesAreSummed()
    {
        _tx = _connection.BeginTransaction();
        using var insert = new SqliteStatement(_connection, "INSERT INTO t(k, n) VALUES($a, 1), ($b, 1)", "$a", "$b");
        insert.Bind(0, "a");
        insert.Bind(1, "b");
        Assert.Equal(2, insert.Execute());
        using var both = new SqliteStatement(_connection,
            "UPDATE t SET n = n + $d WHERE k = $a; DELETE FROM t WHERE k = $b; DELETE FROM t WHERE k = 'none';", "$a", "$b", "$d");
        both.Bind(0, "a");
        both.Bind(1, "b");
        both.Bind(2, 5L);

        Assert.Equal(2, both.Execute());
        Assert.Equal(("null", "", "integer", "6", "null", ""), Read("a"));
        Assert.Equal(1L, Scalar("SELECT COUNT(*) FROM t"));
    }

    [Fact]
    public void AFailure_IsASqliteExceptionWithSqlitesCode_AndTheStatementRunsAgain()
    {
        _tx = _connection.BeginTransaction();
        using var insert = new SqliteStatement(_connection, "INSERT INTO t(k) VALUES($k)", "$k");
        insert.Bind(0, "x");
        insert.Execute();

        var e = Assert.Throws<SqliteException>(() => insert.Execute());
        Assert.Equal(19, e.SqliteErrorCode); // SQLITE_CONSTRAINT
        Assert.Equal(1555, e.SqliteExtendedErrorCode); // SQLITE_CONSTRAINT_PRIMARYKEY
        insert.Bind(0, "y");
        Assert.Equal(1, insert.Execute());
        Assert.Equal(2L, Scalar("SELECT COUNT(*) FROM t"));
    }

    [Fact]
    public void ItRunsInTheConnectionsOpenTransaction()
    {
        using var insert = new SqliteStatement(_connection, "INSERT INTO t(k) VALUES($k)", "$k");
        using (var tx = _connection.BeginTransaction())
        {
            insert.Bind(0, "rolled back");
            insert.Execute();
            tx.Rollback();
        }
        using (var tx = _connection.BeginTransaction())
        {
            insert.Bind(0, "committed");
            insert.Execute();
            tx.Commit();
        }

        Assert.Equal(1L, Scalar("SELECT COUNT(*) FROM t"));
        Assert.Equal(1L, Scalar("SELECT COUNT(*) FROM t WHERE k = 'committed'"));
    }

    [Fact]
    public void OutsideATransaction_ItRefusesToRun_AndWritesNothing()
    {
        using var insert = new SqliteStatement(_connection, "INSERT INTO t(k) VALUES($k)", "$k");
        insert.Bind(0, "alone");

        Assert.Throws<InvalidOperationException>(() => insert.Execute());
        Assert.Equal(0L, Scalar("SELECT COUNT(*) FROM t"));
    }

    [Fact]
    public void AReadOnlyStatementOfTheText_AddsNoChanges()
    {
        _tx = _connection.BeginTransaction();
        using var both = new SqliteStatement(_connection, "INSERT INTO t(k) VALUES($k); SELECT k FROM t WHERE k = $k", "$k");
        both.Bind(0, "once");

        Assert.Equal(1, both.Execute());
    }

    [Fact]
    public void AParameterTheTextLacks_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => new SqliteStatement(_connection, "INSERT INTO t(k) VALUES($k)", "$k", "$other"));
    }

    private static void Row(SqliteStatement insert, string k, string? s, long? n, byte[]? b)
    {
        insert.Bind(0, k);
        insert.Bind(1, s);
        insert.Bind(2, n);
        if (b is null) insert.BindNull(3);
        else insert.Bind(3, b);
        Assert.Equal(1, insert.Execute());
    }

    private (string, string, string, string, string, string) Read(string k)
    {
        using var cmd = _connection.CreateCommand();
        cmd.Transaction = _tx;
        cmd.CommandText = "SELECT typeof(s), coalesce(s, ''), typeof(n), coalesce(n, ''), typeof(b), coalesce(hex(b), '') FROM t WHERE k = $k";
        cmd.Parameters.AddWithValue("$k", k);
        using var r = cmd.ExecuteReader();
        Assert.True(r.Read());
        return (r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5));
    }

    private long Scalar(string sql)
    {
        using var cmd = _connection.CreateCommand();
        cmd.Transaction = _tx;
        cmd.CommandText = sql;
        return (long)cmd.ExecuteScalar()!;
    }
}

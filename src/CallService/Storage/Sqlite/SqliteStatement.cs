using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace CallService.Storage.Sqlite;

/// <summary>
/// A write statement prepared once on the store's connection and run many times through SQLitePCLRaw directly: its
/// parameters are bound by index (resolved once, at prepare) with no per-execution objects, strings as UTF-16 spans
/// that SQLite copies (<c>sqlite3_bind_text16</c>, https://sqlite.org/c3ref/bind_blob.html), and each execution is one
/// <c>sqlite3_step</c> and <c>sqlite3_reset</c> per statement of its text. <c>SqliteCommand.ExecuteNonQuery</c> looks
/// every parameter's index up by name (a UTF-8 copy of the name), builds a binder per parameter and a data reader per
/// execution; on the store's hot path (≈ 11 statement executions per call lifecycle) that was a sixth of the commit
/// thread's samples (docs/performance-notes.md, session 11).
/// </summary>
/// <remarks>
/// Not thread-safe: runs under the store's writer lock, inside the transaction the connection has open (the statement
/// takes part in whatever transaction is open on its connection, as a command does). Every parameter must be bound
/// before each <see cref="Execute"/> (a value bound earlier stays bound). Dispose before the connection.
/// Unlike <c>SqliteCommand</c> it does not retry <c>SQLITE_BUSY</c> itself: the store's one writer connection takes its
/// write lock at <c>BEGIN</c> and waits there (<c>busy_timeout</c>). Text goes to SQLite as UTF-16, which SQLite converts;
/// a lone surrogate would be stored as SQLite converts it, not as U+FFFD as <c>Encoding.UTF8</c> gives it to a command —
/// the values bound here (validated user ids, fixed words, JSON written by our code) carry none.
/// </remarks>
internal sealed class SqliteStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt[] _statements;
    private readonly int[][] _indexes; // [statement][parameter ordinal] → 1-based index, 0 where the statement lacks it

    /// <param name="connection">An open connection; the statement lives no longer than it.</param>
    /// <param name="sql">One statement or several separated by semicolons (run in order by <see cref="Execute"/>).</param>
    /// <param name="parameters">The parameter names, in the order of the ordinals the <c>Bind</c> methods take.</param>
    public SqliteStatement(SqliteConnection connection, string sql, params string[] parameters)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        var statements = new List<sqlite3_stmt>();
        try
        {
            var rest = sql.Trim();
            while (rest.Length > 0)
            {
                var rc = raw.sqlite3_prepare_v2(_db, rest, out var stmt, out var tail);
                SqliteException.ThrowExceptionForRC(rc, _db);
                if (stmt is null || stmt.IsInvalid) break; // only white space or a comment was left
                statements.Add(stmt);
                rest = (tail ?? "").Trim();
            }
        }
        catch
        {
            foreach (var s in statements) s.Dispose();
            throw;
        }
        _statements = [.. statements];
        _indexes = [.. _statements.Select(s => parameters.Select(name => raw.sqlite3_bind_parameter_index(s, name)).ToArray())];
        for (var p = 0; p < parameters.Length; p++)
            if (_indexes.All(ix => ix[p] == 0))
            {
                Dispose();
                throw new ArgumentException($"Parameter {parameters[p]} is not in the statement.", nameof(parameters));
            }
    }

    /// <summary>Binds parameter <paramref name="ordinal"/> to a text (null: SQL NULL), copied by SQLite.</summary>
    public void Bind(int ordinal, string? value)
    {
        for (var s = 0; s < _statements.Length; s++)
        {
            var i = _indexes[s][ordinal];
            if (i == 0) continue;
            // An empty span is bound as a null pointer, which SQLite takes as NULL: "" goes as a UTF-8 empty string.
            Check(value is null ? raw.sqlite3_bind_null(_statements[s], i)
                : value.Length == 0 ? raw.sqlite3_bind_text(_statements[s], i, "")
                : raw.sqlite3_bind_text16(_statements[s], i, value.AsSpan()));
        }
    }

    /// <summary>Binds parameter <paramref name="ordinal"/> to an integer.</summary>
    public void Bind(int ordinal, long value)
    {
        for (var s = 0; s < _statements.Length; s++)
            if (_indexes[s][ordinal] is var i and > 0) Check(raw.sqlite3_bind_int64(_statements[s], i, value));
    }

    /// <summary>Binds parameter <paramref name="ordinal"/> to an integer, or SQL NULL.</summary>
    public void Bind(int ordinal, long? value)
    {
        if (value is { } v) Bind(ordinal, v);
        else BindNull(ordinal);
    }

    /// <summary>As <c>SqliteCommand</c> binds a <see cref="bool"/>: the integer 1 or 0.</summary>
    public void Bind(int ordinal, bool value) => Bind(ordinal, value ? 1L : 0L);

    /// <summary>Binds parameter <paramref name="ordinal"/> to a blob (copied by SQLite; an empty array is an empty blob).</summary>
    public void Bind(int ordinal, byte[] value)
    {
        for (var s = 0; s < _statements.Length; s++)
            if (_indexes[s][ordinal] is var i and > 0)
                Check(value.Length == 0 ? raw.sqlite3_bind_zeroblob(_statements[s], i, 0) : raw.sqlite3_bind_blob(_statements[s], i, value));
    }

    /// <summary>Binds parameter <paramref name="ordinal"/> to SQL NULL.</summary>
    public void BindNull(int ordinal)
    {
        for (var s = 0; s < _statements.Length; s++)
            if (_indexes[s][ordinal] is var i and > 0) Check(raw.sqlite3_bind_null(_statements[s], i));
    }

    /// <summary>
    /// Runs every statement of the text in order; returns the rows its data-changing statements changed (as
    /// <c>ExecuteNonQuery</c>: a read-only statement adds nothing). Runs only inside an open transaction.
    /// </summary>
    /// <exception cref="InvalidOperationException">No transaction is open on the connection (each statement would
    /// commit on its own, outside the writer's group commit).</exception>
    /// <exception cref="SqliteException">A statement failed (the later ones did not run).</exception>
    public int Execute()
    {
        if (raw.sqlite3_get_autocommit(_db) != 0)
            throw new InvalidOperationException("A store statement runs only inside the writer's open transaction.");
        var changed = 0;
        foreach (var stmt in _statements)
        {
            int rc;
            while ((rc = raw.sqlite3_step(stmt)) == raw.SQLITE_ROW) { } // a RETURNING clause's rows are not read
            try
            {
                if (rc != raw.SQLITE_DONE) SqliteException.ThrowExceptionForRC(rc, _db);
                if (raw.sqlite3_stmt_readonly(stmt) == 0) changed += raw.sqlite3_changes(_db);
            }
            finally
            {
                raw.sqlite3_reset(stmt);
            }
        }
        return changed;
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, _db);
    }

    /// <summary>Finalizes the prepared statements (before the connection closes).</summary>
    public void Dispose()
    {
        foreach (var stmt in _statements) stmt.Dispose();
    }
}

using CallService.Calls;
using CallService.Cluster;
using CallService.Hosting;
using Npgsql;
using static CallService.Storage.Postgres.PostgresCallMapping;

namespace CallService.Storage.Postgres;

/// <summary>
/// <see cref="ICallStore"/> in PostgreSQL (<c>Storage:Provider=postgres</c>): the store several nodes share. Pooled
/// connections from one <see cref="NpgsqlDataSource"/> (<c>Storage:Postgres:ConnectionString</c>, Npgsql syntax);
/// call writes group-committed per process by <c>Storage:Postgres:Writers</c> asynchronous writer loops, a batch in one
/// round trip (<see cref="PostgresGroupCommit"/>), statements prepared per connection (<see cref="WithAutoPrepare"/>); every cross-node decision is one
/// conditional statement (busy claims, idempotency keys, leases, endings), never a read followed by a write.
/// Schema: <see cref="PostgresSchema"/>; rows: <see cref="PostgresCallMapping"/>, <see cref="PostgresEventRows"/>;
/// keys, leases and restart endings: <c>PostgresCallStore.Coordination.cs</c>; the event log as other nodes read it:
/// <c>PostgresCallStore.Events.cs</c>.
/// </summary>
internal sealed partial class PostgresCallStore : ICallStore, ISharedEventLog, IDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresGroupCommit _commits;
    private readonly string _connectionString;
    private readonly string _eventChannel;

    public PostgresCallStore(PostgresStorageOptions options, NodeIdentity node)
    {
        // LISTEN takes the channel as an identifier, not a parameter: only a plain lowercase one is accepted.
        if (!System.Text.RegularExpressions.Regex.IsMatch(options.EventChannel, "^[a-z_][a-z0-9_]{0,62}$"))
            throw new ArgumentException($"Not a plain lowercase identifier: '{options.EventChannel}'.", nameof(options));
        (_connectionString, _eventChannel) = (options.ConnectionString, options.EventChannel);
        _dataSource = NpgsqlDataSource.Create(WithAutoPrepare(options.ConnectionString));
        NodeId = node.Id;
        _commits = new PostgresGroupCommit(_dataSource, NodeId, options.Writers, options.EventChannel);
    }

    /// <summary>Statements prepared per connection by default (Npgsql's <c>Max Auto Prepare</c>, 0 = off).</summary>
    public const int AutoPrepared = 64;

    /// <summary>
    /// <paramref name="connectionString"/> with Npgsql's automatic preparation on (<see cref="AutoPrepared"/>) unless it
    /// sets <c>Max Auto Prepare</c> itself: a statement run a few times on a connection is prepared there, so the server
    /// parses and plans the write path's statements (each change a statement of several <c>WITH</c> clauses) once per
    /// connection instead of at every execution (Npgsql docs, "Prepared Statements"; measured:
    /// docs/performance-notes.md).
    /// </summary>
    internal static string WithAutoPrepare(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.MaxAutoPrepare == 0) builder.MaxAutoPrepare = AutoPrepared;
        return builder.ConnectionString;
    }

    /// <summary>The node whose calls this process writes (the placement of new calls).</summary>
    public string NodeId { get; }

    /// <summary>False: every node of the cluster writes this database (see <see cref="ICallStore.SingleProcess"/>).</summary>
    public bool SingleProcess => false;

    /// <summary>The longest <c>Cluster:NodeId</c> accepted, UTF-8 bytes.</summary>
    public const int MaxNodeIdBytes = 1000;

    /// <summary>Creates or migrates the schema. A database that cannot be reached stops the start with one line.</summary>
    public void Initialize()
    {
        // The node id travels in every event notification, whose payload must stay below 8000 bytes (PostgreSQL docs, "NOTIFY").
        if (System.Text.Encoding.UTF8.GetByteCount(NodeId) > MaxNodeIdBytes)
            throw new StartupException($"Cluster:NodeId is longer than {MaxNodeIdBytes} bytes.");
        try
        {
            PostgresSchema.Apply(_dataSource);
        }
        catch (NpgsqlException e)
        {
            // Npgsql's messages name the host and the failure, never the password.
            throw new StartupException(
                $"The PostgreSQL store cannot be used ({e.Message.TrimEnd('.')}). Check Storage:Postgres:ConnectionString.", e);
        }
    }

    public ValueTask<bool> SaveAsync(CallWrite write) => _commits.SaveAsync(write);

    public bool Save(CallWrite write) => _commits.Save(write);

    public CallSnapshot? Find(string callId)
    {
        using var connection = _dataSource.OpenConnection();
        using var cmd = new NpgsqlCommand($"{SelectCalls} WHERE c.call_id=$1", connection);
        cmd.Parameters.Add(Value(callId));
        return ReadCalls(cmd).SingleOrDefault();
    }

    public IReadOnlyList<CallSnapshot> Query(RecordQuery q)
    {
        using var connection = _dataSource.OpenConnection();
        using var cmd = new NpgsqlCommand { Connection = connection };
        var where = new List<string>();
        string Add(NpgsqlParameter p)
        {
            cmd.Parameters.Add(p);
            return "$" + cmd.Parameters.Count;
        }
        if (q.UserId is not null)
        {
            var user = Add(Value(q.UserId));
            where.Add($"(c.caller={user} OR c.callee={user})");
        }
        if (q.From is { } from) where.Add($"c.created_at >= {Add(Value(Ts(from)))}");
        if (q.To is { } to) where.Add($"c.created_at < {Add(Value(Ts(to)))}");
        if (q.After is { } after)
        {
            var at = Add(Value(DateTimeOffset.FromUnixTimeMilliseconds(after.CreatedAtMs)));
            where.Add($"(c.created_at < {at} OR (c.created_at = {at} AND c.call_id < {Add(Value(after.CallId))}))");
        }
        cmd.CommandText = $"{SelectCalls} {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")} " +
                          $"ORDER BY c.created_at DESC, c.call_id DESC LIMIT {Add(Value(q.Limit))}";
        return ReadCalls(cmd);
    }

    public IReadOnlyList<StoredEvent> EventsOf(string userId, long afterSeq, long throughSeq, DateTimeOffset since) =>
        PostgresEventRows.Of(_dataSource, userId, afterSeq, throughSeq, since);

    public int DeleteEventsBefore(DateTimeOffset before) => PostgresEventRows.DeleteBefore(_dataSource, before);

    public void Dispose()
    {
        _commits.Dispose();
        _dataSource.Dispose();
    }
}

using CallService.Calls;
using CallService.Cluster;
using CallService.Hosting;
using Microsoft.Data.Sqlite;

namespace CallService.Storage.Sqlite;

/// <summary>
/// <see cref="ICallStore"/> in one SQLite file (<c>{data}/calls.db</c>, WAL): the single-node default. One writer
/// connection serialised by a lock (SQLite has one writer anyway; small WAL writes with synchronous=NORMAL take
/// microseconds), call writes group-committed by one writer thread (<see cref="SqliteGroupCommit"/>), checkpoints on their own thread
/// (<see cref="SqliteCheckpointer"/>). Schema: <see cref="SqliteSchema"/>; rows: <see cref="SqliteCallMapping"/>,
/// <see cref="SqliteEventRows"/>; keys and leases: <c>SqliteCallStore.Coordination.cs</c>; webhook outbox:
/// <c>SqliteCallStore.Webhooks.cs</c>.
/// </summary>
internal sealed partial class SqliteCallStore : ICallStore, IDisposable
{
    private readonly Lock _gate = new();
    private readonly SqliteGroupCommit _commits;
    private readonly SqliteCallMapping _calls;
    private readonly SqliteEventRows _events;
    private readonly SqliteEventWatermarks _watermarks = new();
    private SqliteConnection? _connection;
    private SqliteCheckpointer? _checkpointer;

    public SqliteCallStore(DataDirectory data, NodeIdentity node, SqliteStorageOptions? options = null)
    {
        FilePath = data.EnsurePrivateFile("calls.db"); // 0600 before SQLite opens it: its -wal/-shm copy the mode
        NodeId = node.Id;
        _events = new SqliteEventRows(Connection);
        _calls = new SqliteCallMapping(Connection, _events);
        _commits = new SqliteGroupCommit(Connection, _gate, () => _checkpointer?.Committed(),
            (options ?? SqliteStorageOptions.Default).CommitWindow);
    }

    public string FilePath { get; }

    /// <summary>The node whose calls this process writes (the placement of new calls).</summary>
    public string NodeId { get; }

    /// <summary>True: the data directory's lock lets one process open this file (see <see cref="ICallStore.SingleProcess"/>).</summary>
    public bool SingleProcess => true;

    public void Initialize()
    {
        lock (_gate)
        {
            _connection ??= Open();
            SqliteSchema.Apply(_connection);
            _checkpointer ??= SqliteCheckpointer.TryStart(FilePath, _connection, _gate);
        }
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = FilePath, Pooling = false }.ToString());
        connection.Open();
        using var pragma = connection.CreateCommand();
        // cache_size: 32 MiB of page cache (default 2 MiB): the indexes on call id, caller, callee and the transitions'
        // key take random pages, which otherwise are read back (pread) on almost every write under load.
        pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; PRAGMA cache_size=-32768;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    private SqliteConnection Connection() => _connection ?? throw new InvalidOperationException("Store not initialised.");

    public ValueTask<bool> SaveAsync(CallWrite write) => new(_commits.SaveAsync(tx => Write(write, tx)));

    public bool Save(CallWrite write) => _commits.Run(tx => Write(write, tx));

    private bool Write(CallWrite write, SqliteTransaction tx)
    {
        if (!_calls.Write(write, NodeId, tx)) return false;
        InsertWebhooks(write.Webhooks, tx); // the outbox rows of the change, in its transaction
        return true;
    }

    public CallSnapshot? Find(string callId)
    {
        lock (_gate)
        {
            using var cmd = Connection().CreateCommand();
            cmd.CommandText = $"{SqliteCallMapping.SelectCalls} WHERE call_id=$id";
            cmd.Parameters.AddWithValue("$id", callId);
            return _calls.ReadCalls(cmd).SingleOrDefault();
        }
    }

    /// <remarks>The command is created under the writer lock: <c>CreateCommand</c> gives it the connection's transaction
    /// of the moment, which a group commit on another thread may complete before the command runs.</remarks>
    public IReadOnlyList<CallSnapshot> Query(RecordQuery q)
    {
        lock (_gate) return QueryLocked(q);
    }

    private List<CallSnapshot> QueryLocked(RecordQuery q)
    {
        var where = new List<string>();
        using var cmd = Connection().CreateCommand();
        if (q.UserId is not null) { where.Add("(caller=$user OR callee=$user)"); cmd.Parameters.AddWithValue("$user", q.UserId); }
        if (q.From is { } from) { where.Add("created_at >= $from"); cmd.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds()); }
        if (q.To is { } to) { where.Add("created_at < $to"); cmd.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds()); }
        if (q.After is { } after)
        {
            where.Add("(created_at < $cat OR (created_at = $cat AND call_id < $cid))");
            cmd.Parameters.AddWithValue("$cat", after.CreatedAtMs);
            cmd.Parameters.AddWithValue("$cid", after.CallId);
        }
        cmd.CommandText = $"{SqliteCallMapping.SelectCalls} {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")} " +
                          "ORDER BY created_at DESC, call_id DESC LIMIT $limit";
        cmd.Parameters.AddWithValue("$limit", q.Limit);
        return _calls.ReadCalls(cmd);
    }

    public long ReserveEventSeqs(int count) => _commits.Run(tx => _events.Reserve(count, tx));

    public IReadOnlyList<StoredEvent> AppendEvents(IReadOnlyList<StoredEvent> events) => _commits.Run(tx =>
    {
        _events.Insert(events);
        return events;
    });

    public IReadOnlyList<StoredEvent> EventsOf(string userId, long afterSeq, long throughSeq, DateTimeOffset since)
    {
        lock (_gate) return _events.Of(userId, afterSeq, throughSeq, since);
    }

    /// <summary>
    /// In slices of <see cref="DeleteSlice"/> rows, each its own (group-committed) write: a minute of events at 1,000
    /// calls/s is ~400,000 rows, which in one transaction would hold the writer for a long stall. Oldest number first:
    /// those produced before <paramref name="before"/>, and those numbered up to the newest event seen by an earlier
    /// clean-up whose time is before it (<see cref="SqliteEventWatermarks"/>: after the clock was stepped back, the
    /// events numbered before the step carry later times and would hold the deletion until the clock passes them).
    /// Stops at the first slice that deletes fewer, then notes the newest event for a later clean-up.
    /// </summary>
    public int DeleteEventsBefore(DateTimeOffset before)
    {
        lock (_watermarks)
        {
            var through = _watermarks.TakeOlderThan(before.ToUnixTimeMilliseconds());
            var total = 0;
            int deleted;
            do
            {
                deleted = _commits.Run(tx => _events.DeleteBefore(before, through, DeleteSlice, tx));
                total += deleted;
            } while (deleted == DeleteSlice);
            (long Seq, long AtMs)? newest;
            lock (_gate) newest = _events.Newest();
            if (newest is { } n) _watermarks.Note(n.Seq, n.AtMs);
            return total;
        }
    }

    private const int DeleteSlice = 2000;

    public void Dispose()
    {
        _commits.Dispose();
        _checkpointer?.Dispose();
        lock (_gate)
        {
            _calls.DisposeStatements();
            _events.DisposeStatements();
            _connection?.Dispose();
        }
    }
}

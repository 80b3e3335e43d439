using System.Runtime.ExceptionServices;
using System.Text.Json;
using CallService.Calls;
using CallService.Hosting;
using Microsoft.Data.Sqlite;

namespace CallService.Records;

/// <summary>
/// Call records in one SQLite file (<c>{data}/calls.db</c>, WAL). One connection serialised by a lock:
/// SQLite has one writer anyway, and small writes in WAL mode with synchronous=NORMAL take microseconds.
/// </summary>
internal sealed partial class SqliteCallRecordStore(DataDirectory data) : ICallRecordStore, IDisposable
{
    private readonly Lock _gate = new();
    private readonly object _queueGate = new();
    private List<PendingSave> _queue = [];
    private bool _writing;
    private SqliteConnection? _connection;
    private SqliteCommand? _upsert;
    private SqliteCommand? _insertTransition;

    public string FilePath { get; } = data.EnsurePrivateFile("calls.db"); // 0600 before SQLite opens it: its -wal/-shm copy the mode

    public void Initialize()
    {
        lock (_gate)
        {
            _connection ??= Open();
            Exec("""
                CREATE TABLE IF NOT EXISTS calls (
                  call_id TEXT PRIMARY KEY, scenario TEXT NOT NULL, ring INTEGER NOT NULL,
                  caller TEXT NOT NULL, callee TEXT NOT NULL, timers TEXT NOT NULL, state TEXT NOT NULL,
                  created_at INTEGER NOT NULL, accepted_at INTEGER, connected_at INTEGER, ended_at INTEGER,
                  end_reason TEXT, ended_by TEXT, code INTEGER, a_issued INTEGER NOT NULL, b_issued INTEGER NOT NULL,
                  quality_a TEXT NOT NULL, quality_b TEXT NOT NULL);
                CREATE INDEX IF NOT EXISTS calls_created ON calls(created_at DESC, call_id DESC);
                CREATE INDEX IF NOT EXISTS calls_caller ON calls(caller, created_at DESC);
                CREATE INDEX IF NOT EXISTS calls_callee ON calls(callee, created_at DESC);
                CREATE INDEX IF NOT EXISTS calls_open ON calls(state) WHERE state <> 'ended';
                CREATE TABLE IF NOT EXISTS call_transitions (
                  call_id TEXT NOT NULL, seq INTEGER NOT NULL, state TEXT NOT NULL, at INTEGER NOT NULL, detail TEXT,
                  PRIMARY KEY (call_id, seq));
                """);
            Exec(MediaSchema);
            StartCheckpointer();
        }
    }

    /// <summary>How often the background checkpointer copies committed WAL frames into the database file.</summary>
    private static readonly TimeSpan CheckpointInterval = TimeSpan.FromMilliseconds(250);

    private readonly CancellationTokenSource _stopCheckpointer = new();
    private Thread? _checkpointer;
    private int _commitsSinceCheckpoint;

    /// <summary>
    /// Checkpoints run on their own thread and connection (PASSIVE: never blocks the writer), not inside a commit:
    /// SQLite's automatic checkpoint runs on the committing connection and fsyncs the WAL and the database while
    /// the store's lock is held, stalling every write behind it (measured: 1–30 ms, several times a second under
    /// load). Commits stay as durable as before (WAL, synchronous=NORMAL). If the checkpointer cannot start, the
    /// writer keeps SQLite's automatic checkpoints.
    /// </summary>
    private void StartCheckpointer()
    {
        if (_checkpointer is not null) return;
        SqliteConnection connection;
        try
        {
            connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = FilePath, Pooling = false }.ToString());
            connection.Open();
            using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA busy_timeout=5000;";
            pragma.ExecuteNonQuery();
        }
        catch (SqliteException)
        {
            return;
        }
        Exec("PRAGMA wal_autocheckpoint=0;");
        _checkpointer = new Thread(() => CheckpointLoop(connection)) { IsBackground = true, Name = "sqlite checkpoint" };
        _checkpointer.Start();
    }

    /// <summary>
    /// WAL length (frames) past which the checkpointer takes the write lock for one short catch-up checkpoint: a WAL is
    /// only restarted (rewritten from its start, in pages the OS already holds) once every frame has been copied, which
    /// never happens while commits keep arriving during an unlocked checkpoint. 16,384 frames ≈ 64 MiB.
    /// </summary>
    private const long WalCatchUpFrames = 16_384;

    private void CheckpointLoop(SqliteConnection connection)
    {
        using (connection)
        using (var checkpoint = connection.CreateCommand())
        {
            checkpoint.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
            var stop = _stopCheckpointer.Token;
            while (!stop.WaitHandle.WaitOne(CheckpointInterval))
            {
                if (Interlocked.Exchange(ref _commitsSinceCheckpoint, 0) == 0) continue;
                try
                {
                    if (Checkpoint(checkpoint) >= WalCatchUpFrames)
                        lock (_gate) Checkpoint(checkpoint); // only the frames committed since: short, then the WAL restarts
                }
                catch (SqliteException)
                {
                    Interlocked.Increment(ref _commitsSinceCheckpoint); // try again next round
                }
            }
        }
    }

    /// <summary>Runs the checkpoint; returns the WAL's length in frames.</summary>
    private static long Checkpoint(SqliteCommand checkpoint)
    {
        using var result = checkpoint.ExecuteReader();
        return result.Read() ? result.GetInt64(1) : 0;
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

    public IReadOnlyList<string> EndUnfinished(DateTimeOffset at)
    {
        lock (_gate)
        {
            var ids = new List<string>();
            using (var select = Command("SELECT call_id FROM calls WHERE state <> 'ended'"))
            using (var reader = select.ExecuteReader())
                while (reader.Read()) ids.Add(reader.GetString(0));
            if (ids.Count == 0) return ids;
            using var tx = _connection!.BeginTransaction();
            foreach (var id in ids)
            {
                using var update = Command("""
                    UPDATE calls SET state='ended', end_reason='service_restart', ended_by='system', code=NULL, ended_at=$at
                    WHERE call_id=$id;
                    INSERT INTO call_transitions(call_id, seq, state, at, detail)
                    SELECT $id, COALESCE(MAX(seq), 0) + 1, 'ended', $at, 'service_restart by system' FROM call_transitions WHERE call_id=$id;
                    """, tx);
                update.Parameters.AddWithValue("$id", id);
                update.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
                update.ExecuteNonQuery();
            }
            tx.Commit();
            return ids;
        }
    }

    /// <summary>
    /// Group commit: concurrent saves share one transaction. The first caller to find no write in progress becomes the
    /// leader and writes everything queued so far in one transaction; the others wait for that commit. Every caller
    /// returns only once its own rows are committed, and throws when they could not be (a failed batch is retried
    /// one save per transaction, so one bad write fails only its own caller).
    /// </summary>
    public void Save(CallSnapshot c, IReadOnlyList<CallTransition> newTransitions)
    {
        var mine = new PendingSave(c, newTransitions);
        List<PendingSave> batch;
        lock (_queueGate)
        {
            _queue.Add(mine);
            while (_writing && !mine.Done) Monitor.Wait(_queueGate);
            if (!mine.Done)
            {
                _writing = true;
                batch = _queue;
                _queue = new List<PendingSave>(Math.Max(4, batch.Count));
            }
            else batch = [];
        }
        if (batch.Count > 0)
        {
            try
            {
                WriteBatch(batch);
            }
            catch (Exception e)
            {
                foreach (var p in batch) p.Error ??= e;
            }
            finally
            {
                lock (_queueGate)
                {
                    foreach (var p in batch) p.Done = true;
                    _writing = false;
                    Monitor.PulseAll(_queueGate);
                }
            }
        }
        if (mine.Error is { } error) ExceptionDispatchInfo.Throw(error);
    }

    private void WriteBatch(List<PendingSave> batch)
    {
        lock (_gate)
        {
            try
            {
                using var tx = _connection!.BeginTransaction();
                foreach (var p in batch) Write(p.Call, p.Transitions, tx);
                tx.Commit();
                Interlocked.Increment(ref _commitsSinceCheckpoint);
                return;
            }
            catch (Exception e) when (batch.Count == 1)
            {
                batch[0].Error = e;
                return;
            }
            catch (Exception)
            {
                // Retried alone below: only the saves that fail on their own report a failure.
            }
            foreach (var p in batch)
            {
                try
                {
                    using var tx = _connection!.BeginTransaction();
                    Write(p.Call, p.Transitions, tx);
                    tx.Commit();
                    Interlocked.Increment(ref _commitsSinceCheckpoint);
                }
                catch (Exception e)
                {
                    p.Error = e;
                }
            }
        }
    }

    private sealed class PendingSave(CallSnapshot call, IReadOnlyList<CallTransition> transitions)
    {
        public CallSnapshot Call { get; } = call;
        public IReadOnlyList<CallTransition> Transitions { get; } = transitions;
        public bool Done { get; set; }
        public Exception? Error { get; set; }
    }

    /// <summary>The upsert and the transition insert, prepared once and reused (called under <c>_gate</c>).</summary>
    private void Write(CallSnapshot c, IReadOnlyList<CallTransition> newTransitions, SqliteTransaction tx)
    {
        var upsert = _upsert ??= PrepareUpsert();
        upsert.Transaction = tx;
        var p = upsert.Parameters;
        p[0].Value = c.CallId;
        p[1].Value = c.Scenario;
        p[2].Value = c.Ring;
        p[3].Value = c.CallerUserId;
        p[4].Value = c.CalleeUserId;
        p[5].Value = JsonSerializer.Serialize(TimersRow.Of(c.Timers));
        p[6].Value = c.State.ToWire();
        p[7].Value = c.CreatedAt.ToUnixTimeMilliseconds();
        p[8].Value = Ms(c.AcceptedAt);
        p[9].Value = Ms(c.ConnectedAt);
        p[10].Value = Ms(c.EndedAt);
        p[11].Value = (object?)c.EndReason?.ToWire() ?? DBNull.Value;
        p[12].Value = (object?)c.EndedBy?.ToWire() ?? DBNull.Value;
        p[13].Value = (object?)c.Code ?? DBNull.Value;
        p[14].Value = c.AIssued;
        p[15].Value = c.BIssued;
        p[16].Value = Warnings(c.WarningsA);
        p[17].Value = Warnings(c.WarningsB);
        upsert.ExecuteNonQuery();
        SaveMedia(c, tx);
        if (newTransitions.Count == 0) return;
        var insert = _insertTransition ??= PrepareInsertTransition();
        insert.Transaction = tx;
        var q = insert.Parameters;
        q[0].Value = c.CallId;
        foreach (var t in newTransitions)
        {
            q[1].Value = t.State.ToWire();
            q[2].Value = t.At.ToUnixTimeMilliseconds();
            q[3].Value = t.Detail;
            insert.ExecuteNonQuery();
        }
    }

    private static string Warnings(IReadOnlyDictionary<int, int> warnings) =>
        warnings.Count == 0 ? "{}" : JsonSerializer.Serialize(warnings);

    private SqliteCommand PrepareUpsert()
    {
        var cmd = Command("""
            INSERT INTO calls(call_id, scenario, ring, caller, callee, timers, state, created_at, accepted_at, connected_at,
              ended_at, end_reason, ended_by, code, a_issued, b_issued, quality_a, quality_b)
            VALUES($id, $scenario, $ring, $caller, $callee, $timers, $state, $created, $accepted, $connected,
              $ended, $reason, $by, $code, $ai, $bi, $qa, $qb)
            ON CONFLICT(call_id) DO UPDATE SET state=$state, accepted_at=$accepted, connected_at=$connected, ended_at=$ended,
              end_reason=$reason, ended_by=$by, code=$code, a_issued=$ai, b_issued=$bi, quality_a=$qa, quality_b=$qb
            """);
        foreach (var name in (string[])["$id", "$scenario", "$ring", "$caller", "$callee", "$timers", "$state", "$created",
                     "$accepted", "$connected", "$ended", "$reason", "$by", "$code", "$ai", "$bi", "$qa", "$qb"])
            cmd.Parameters.Add(new SqliteParameter(name, DBNull.Value));
        return cmd;
    }

    private SqliteCommand PrepareInsertTransition()
    {
        var cmd = Command("""
            INSERT INTO call_transitions(call_id, seq, state, at, detail)
            SELECT $id, COALESCE(MAX(seq), 0) + 1, $state, $at, $detail FROM call_transitions WHERE call_id=$id
            """);
        cmd.Parameters.Add(new SqliteParameter("$id", SqliteType.Text));
        cmd.Parameters.Add(new SqliteParameter("$state", SqliteType.Text));
        cmd.Parameters.Add(new SqliteParameter("$at", SqliteType.Integer));
        cmd.Parameters.Add(new SqliteParameter("$detail", SqliteType.Text));
        return cmd;
    }

    public CallSnapshot? Find(string callId)
    {
        lock (_gate)
        {
            using var cmd = Command($"{SelectCalls} WHERE call_id=$id");
            cmd.Parameters.AddWithValue("$id", callId);
            return ReadCalls(cmd).SingleOrDefault();
        }
    }

    public IReadOnlyList<CallSnapshot> Query(RecordQuery q)
    {
        var where = new List<string>();
        using var cmd = _connection is null ? throw new InvalidOperationException("Store not initialised.") : _connection.CreateCommand();
        if (q.UserId is not null) { where.Add("(caller=$user OR callee=$user)"); cmd.Parameters.AddWithValue("$user", q.UserId); }
        if (q.From is { } from) { where.Add("created_at >= $from"); cmd.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds()); }
        if (q.To is { } to) { where.Add("created_at < $to"); cmd.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds()); }
        if (q.After is { } after)
        {
            where.Add("(created_at < $cat OR (created_at = $cat AND call_id < $cid))");
            cmd.Parameters.AddWithValue("$cat", after.CreatedAtMs);
            cmd.Parameters.AddWithValue("$cid", after.CallId);
        }
        cmd.CommandText = $"{SelectCalls} {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")} " +
                          "ORDER BY created_at DESC, call_id DESC LIMIT $limit";
        cmd.Parameters.AddWithValue("$limit", q.Limit);
        lock (_gate) return ReadCalls(cmd);
    }

    private const string SelectCalls = """
        SELECT call_id, scenario, ring, caller, callee, timers, state, created_at, accepted_at, connected_at, ended_at,
               end_reason, ended_by, code, a_issued, b_issued, quality_a, quality_b FROM calls
        """;

    private List<CallSnapshot> ReadCalls(SqliteCommand cmd)
    {
        var rows = new List<CallSnapshot>();
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                rows.Add(new CallSnapshot(
                    r.GetString(0), r.GetString(1), r.GetBoolean(2), r.GetString(3), r.GetString(4),
                    JsonSerializer.Deserialize<TimersRow>(r.GetString(5))!.ToSettings(),
                    CallWireNames.ParseState(r.GetString(6)), At(r.GetInt64(7)), AtOrNull(r, 8), AtOrNull(r, 9), AtOrNull(r, 10),
                    r.IsDBNull(11) ? null : CallWireNames.ParseReason(r.GetString(11)),
                    r.IsDBNull(12) ? null : CallWireNames.ParseEnder(r.GetString(12)),
                    r.IsDBNull(13) ? null : r.GetInt32(13), r.GetBoolean(14), r.GetBoolean(15),
                    JsonSerializer.Deserialize<Dictionary<int, int>>(r.GetString(16))!,
                    JsonSerializer.Deserialize<Dictionary<int, int>>(r.GetString(17))!, []));
            }
        }
        for (var i = 0; i < rows.Count; i++)
            rows[i] = ReadMedia(rows[i] with { Transitions = ReadTransitions(rows[i].CallId) });
        return rows;
    }

    private List<CallTransition> ReadTransitions(string callId)
    {
        using var cmd = Command("SELECT state, at, detail FROM call_transitions WHERE call_id=$id ORDER BY seq");
        cmd.Parameters.AddWithValue("$id", callId);
        using var r = cmd.ExecuteReader();
        var list = new List<CallTransition>();
        while (r.Read())
            list.Add(new CallTransition(CallWireNames.ParseState(r.GetString(0)), At(r.GetInt64(1)), r.IsDBNull(2) ? "" : r.GetString(2)));
        return list;
    }

    private SqliteCommand Command(string sql, SqliteTransaction? tx = null)
    {
        var cmd = (_connection ?? throw new InvalidOperationException("Store not initialised.")).CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        return cmd;
    }

    private void Exec(string sql)
    {
        using var cmd = Command(sql);
        cmd.ExecuteNonQuery();
    }

    private static object Ms(DateTimeOffset? at) => at is { } v ? v.ToUnixTimeMilliseconds() : DBNull.Value;
    private static DateTimeOffset At(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
    private static DateTimeOffset? AtOrNull(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : At(r.GetInt64(i));

    public void Dispose()
    {
        _stopCheckpointer.Cancel();
        _checkpointer?.Join();
        lock (_gate)
        {
            _upsert?.Dispose();
            _insertTransition?.Dispose();
            _connection?.Dispose();
        }
    }

    private sealed record TimersRow(double Ring, double MediaJoin, double PublisherLost, double MaxDuration)
    {
        public static TimersRow Of(CallTimerSettings t) =>
            new(t.RingTimeout.TotalSeconds, t.MediaJoinTimeout.TotalSeconds, t.PublisherLostGrace.TotalSeconds, t.MaxDuration.TotalSeconds);

        public CallTimerSettings ToSettings() => new(TimeSpan.FromSeconds(Ring), TimeSpan.FromSeconds(MediaJoin),
            TimeSpan.FromSeconds(PublisherLost), TimeSpan.FromSeconds(MaxDuration));
    }
}

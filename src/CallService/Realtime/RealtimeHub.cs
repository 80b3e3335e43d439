using System.Collections.Concurrent;
using System.Text.Json;
using CallContracts.Realtime;
using Microsoft.Extensions.Options;

namespace CallService.Realtime;

/// <summary><c>Realtime:*</c> configuration.</summary>
internal sealed class RealtimeOptions
{
    public const string SectionName = "Realtime";

    /// <summary>Events younger than this are always kept for <c>resume</c>.</summary>
    public int HistorySeconds { get; set; } = 300;

    /// <summary>Hard cap per user (memory guard); normally the time window is what bounds the history.</summary>
    public int HistoryMaxEvents { get; set; } = 10000;
}

/// <summary>
/// Per-user event streams: a sequence number per user, a bounded history for <c>resume</c>, and every socket
/// the user holds (tabs, devices). Publishing never blocks: frames are queued per socket.
/// </summary>
internal sealed class RealtimeHub(TimeProvider time, IOptions<RealtimeOptions> options, ILogger<RealtimeHub> logger)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly ConcurrentDictionary<string, UserStream> _users = new(StringComparer.Ordinal);
    private readonly RealtimeOptions _options = options.Value;
    private long _published; // a user's stream created after a sweep continues above every seq handed out before

    public RealtimeEvent Publish(string userId, string type, string callId, object data)
    {
        var stream = Live(userId);
        lock (stream)
        {
            Interlocked.Increment(ref _published);
            var now = time.GetUtcNow();
            var evt = new RealtimeEvent(++stream.Seq, type, callId, now, data);
            var frame = JsonSerializer.SerializeToUtf8Bytes(evt, Json);
            stream.History.Enqueue((evt, frame));
            Prune(stream, now);
            foreach (var socket in stream.Sockets) socket.Enqueue(frame);
            Calls.CoordinatorLog.EventPublished(logger, type, evt.Seq, callId, stream.Sockets.Count);
            return evt;
        }
    }

    public void Attach(string userId, RealtimeConnection connection)
    {
        var stream = Live(userId);
        lock (stream)
        {
            stream.Sockets.Add(connection);
            connection.AttachedAtSeq = stream.Seq; // later events reach it live; resume replays only up to here
        }
    }

    public void Detach(string userId, RealtimeConnection connection)
    {
        if (!_users.TryGetValue(userId, out var stream)) return;
        lock (stream) stream.Sockets.Remove(connection);
    }

    /// <summary>Queues every kept event after <paramref name="afterSeq"/> to this socket, in order, before any newer one.</summary>
    public int Resume(string userId, RealtimeConnection connection, long afterSeq)
    {
        if (!_users.TryGetValue(userId, out var stream)) return 0;
        lock (stream)
        {
            var n = 0;
            foreach (var (evt, frame) in stream.History)
                if (evt.Seq > afterSeq && evt.Seq <= connection.AttachedAtSeq) { connection.Enqueue(frame); n++; }
            return n;
        }
    }

    /// <summary>Events kept for a user (tests, diagnostics).</summary>
    public IReadOnlyList<RealtimeEvent> History(string userId)
    {
        if (!_users.TryGetValue(userId, out var stream)) return [];
        lock (stream) return [.. stream.History.Select(h => h.Event)];
    }

    /// <summary>Drops expired history and users with neither sockets nor history.</summary>
    public void Sweep()
    {
        var now = time.GetUtcNow();
        foreach (var (userId, stream) in _users)
        {
            lock (stream)
            {
                Prune(stream, now);
                if (stream.Sockets.Count == 0 && stream.History.Count == 0)
                {
                    stream.Removed = true;
                    _users.TryRemove(new KeyValuePair<string, UserStream>(userId, stream));
                }
            }
        }
    }

    /// <summary>The user's stream, never one a concurrent sweep has just removed (callers lock it next).</summary>
    private UserStream Live(string userId)
    {
        while (true)
        {
            var stream = _users.GetOrAdd(userId, _ => NewStream());
            lock (stream)
                if (!stream.Removed) return stream;
        }
    }

    private UserStream NewStream() => new() { Seq = Interlocked.Read(ref _published) };

    private void Prune(UserStream stream, DateTimeOffset now)
    {
        var horizon = now - TimeSpan.FromSeconds(_options.HistorySeconds);
        // At least HistorySeconds are kept; HistoryMaxEvents is only a memory guard against floods.
        while (stream.History.Count > 0 &&
               (stream.History.Peek().Event.At < horizon || stream.History.Count > _options.HistoryMaxEvents))
            stream.History.Dequeue();
    }

    private sealed class UserStream
    {
        public long Seq;
        public bool Removed;
        public readonly Queue<(RealtimeEvent Event, byte[] Frame)> History = new();
        public readonly List<RealtimeConnection> Sockets = [];
    }
}

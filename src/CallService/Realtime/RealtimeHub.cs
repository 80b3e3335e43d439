using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using CallContracts.Realtime;
using CallService.Storage;
using Microsoft.Extensions.Options;

namespace CallService.Realtime;

/// <summary><c>Realtime:*</c> configuration.</summary>
internal sealed class RealtimeOptions
{
    public const string SectionName = "Realtime";

    /// <summary>Events younger than this can always be replayed by <c>resume</c> (from memory or from the store).</summary>
    public int HistorySeconds { get; set; } = 300;

    /// <summary>
    /// Memory for recent events, all users together, bytes (default 8 MiB): a bound that holds at any call rate
    /// (an event costs its frame, 0.2–1.5 KB, its user id and 32 bytes; <see cref="RecentEvents"/>). Older events are
    /// replayed from the store.
    /// </summary>
    public long HistoryMaxBytes { get; set; } = 8 * 1024 * 1024;
}

/// <summary>
/// Per-user event delivery: numbers events (<see cref="EventSequence"/>), delivers saved events to every socket the
/// user holds (tabs, devices) and replays them on <c>resume</c>, from memory (<see cref="RecentEvents"/>) or from the
/// store. Publishing never blocks: frames are queued per socket.
/// </summary>
internal sealed class RealtimeHub
{
    /// <summary>Web defaults; the generated metadata of <see cref="RealtimeJsonContext"/> first, reflection for the rest.</summary>
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        TypeInfoResolver = JsonTypeInfoResolver.Combine(RealtimeJsonContext.Default, new DefaultJsonTypeInfoResolver()),
    };

    private readonly ConcurrentDictionary<string, UserStream> _users = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ICallStore _store;
    private readonly EventSequence _sequence;
    private readonly RealtimeOptions _options;
    private readonly ILogger<RealtimeHub> _logger;
    private readonly Lazy<RecentEvents> _recent;

    public RealtimeHub(TimeProvider time, ICallStore store, EventSequence sequence, IOptions<RealtimeOptions> options, ILogger<RealtimeHub> logger)
    {
        (_time, _store, _sequence, _options, _logger) = (time, store, sequence, options.Value, logger);
        _recent = new Lazy<RecentEvents>(() =>
        {
            var recent = new RecentEvents(time, _options);
            recent.Start(_sequence.Last + 1);
            return recent;
        });
        // A store that numbers at commit: this node's own events, as committed, until a ClusterEventFeed takes over
        // (it registers after the hub and replaces this; hosts always run one, a bare hub in a test rig may not).
        if (store is ISharedEventLog log) log.OnCommitted(events => DeliverInOrder(events, events[^1].Seq));
    }

    private int _connections;

    /// <summary>Sockets attached now (the WebSocket connections gauge).</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Bytes of recent events held in memory.</summary>
    public long HistoryBytes => _recent.Value.Bytes;

    /// <summary>Numbers and encodes an event (once, shared by every socket and the store); <see cref="Deliver"/> sends it once saved.</summary>
    public StoredEvent Prepare(string userId, string type, string callId, object data)
    {
        var at = _time.GetUtcNow();
        var evt = new RealtimeEvent(_sequence.Next(), type, callId, at, data);
        return new StoredEvent(evt.Seq, userId, callId, type, at, EventFrames.Encode(evt));
    }

    /// <summary>
    /// Sends saved events to the sockets of their users and keeps them for <c>resume</c>. When the store numbers events
    /// at commit (several nodes) this does nothing: <see cref="ClusterEventFeed"/> delivers every committed event, this
    /// node's and the others', in seq order through <see cref="DeliverInOrder"/>.
    /// </summary>
    public void Deliver(IReadOnlyList<StoredEvent> events)
    {
        if (_sequence.AtCommit) return;
        Send(events);
    }

    /// <summary>
    /// Delivers committed events in seq order, of every node (<see cref="ClusterEventFeed"/>): every event numbered up to
    /// <paramref name="through"/> has now been delivered, so a socket attached from now on gets later ones live.
    /// </summary>
    public void DeliverInOrder(IReadOnlyList<StoredEvent> events, long through)
    {
        Send(events);
        _sequence.Delivered(through);
    }

    private void Send(IReadOnlyList<StoredEvent> events)
    {
        var recent = _recent.Value;
        foreach (var e in events)
        {
            var stream = Live(e.UserId);
            lock (stream)
            {
                recent.Add(e);
                foreach (var socket in stream.Sockets) socket.Enqueue(e.Frame);
                stream.LastDelivered = Math.Max(stream.LastDelivered, e.Seq);
                Calls.CoordinatorLog.EventPublished(_logger, e.Type, e.Seq, e.CallId, stream.Sockets.Count);
            }
        }
    }

    /// <summary>
    /// Events produced while no socket could be open (the endings of calls a previous run left unfinished): the user's
    /// next socket gets them as new events; <c>resume</c> replays them from the store as well.
    /// </summary>
    public void Hold(IReadOnlyList<StoredEvent> events)
    {
        foreach (var e in events)
        {
            var stream = Live(e.UserId);
            lock (stream) (stream.Held ??= []).Add(e);
        }
    }

    /// <summary>Adds a socket; events delivered from now on reach it (frames queue until it is open).</summary>
    public void Attach(string userId, RealtimeConnection connection)
    {
        var stream = Live(userId);
        lock (stream)
        {
            stream.Sockets.Add(connection);
            Interlocked.Increment(ref _connections);
            connection.AttachedAtSeq = stream.LastDelivered; // later events reach it live; resume replays only up to here
            if (stream.Held is not { } held) return;
            stream.Held = null;
            connection.AttachedAtSeq = Math.Min(connection.AttachedAtSeq, held[0].Seq - 1);
            foreach (var e in held) connection.Enqueue(e.Frame);
            stream.LastDelivered = Math.Max(stream.LastDelivered, held[^1].Seq);
        }
    }

    public void Detach(string userId, RealtimeConnection connection)
    {
        if (!_users.TryGetValue(userId, out var stream)) return;
        lock (stream)
            if (stream.Sockets.Remove(connection)) Interlocked.Decrement(ref _connections);
    }

    /// <summary>
    /// Queues every kept event after <paramref name="afterSeq"/> (up to what the socket gets live) to this socket, in
    /// order, before any newer one: from memory when it holds them all, else from the store.
    /// </summary>
    public int Resume(string userId, RealtimeConnection connection, long afterSeq)
    {
        var stream = Live(userId);
        lock (stream)
        {
            var through = connection.AttachedAtSeq;
            if (afterSeq >= through) return 0;
            var frames = Frames(userId, afterSeq, through);
            foreach (var frame in frames) connection.Enqueue(frame);
            return frames.Count;
        }
    }

    /// <summary>A user's events as <c>resume</c> from 0 would replay them (tests, diagnostics).</summary>
    public IReadOnlyList<RealtimeEvent> History(string userId)
    {
        return [.. Frames(userId, 0, _sequence.Last).Select(frame => JsonSerializer.Deserialize<RealtimeEvent>(frame, Json)!)];
    }

    /// <summary>The frames of the user's events with <c>afterSeq &lt; seq ≤ through</c>, in order: from memory when it holds them all, else from the store.</summary>
    private List<byte[]> Frames(string userId, long afterSeq, long through) =>
        _recent.Value.TryRead(userId, afterSeq, through)
        ?? _store.EventsOf(userId, afterSeq, through, _time.GetUtcNow() - TimeSpan.FromSeconds(_options.HistorySeconds)).Select(e => e.Frame).ToList();

    /// <summary>Drops expired memory and users with neither sockets nor held events.</summary>
    public void Sweep()
    {
        _recent.Value.Sweep();
        var horizon = _time.GetUtcNow() - TimeSpan.FromSeconds(_options.HistorySeconds);
        foreach (var (userId, stream) in _users)
        {
            lock (stream)
            {
                if (stream.Held is { } held && held[^1].At < horizon) stream.Held = null;
                if (stream.Sockets.Count == 0 && stream.Held is null)
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
            var stream = _users.GetOrAdd(userId, _ => new UserStream { LastDelivered = _sequence.Last });
            lock (stream)
                if (!stream.Removed) return stream;
        }
    }

    private sealed class UserStream
    {
        public long LastDelivered;
        public bool Removed;
        public List<StoredEvent>? Held;
        public readonly List<RealtimeConnection> Sockets = [];
    }
}

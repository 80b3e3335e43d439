using System.Diagnostics;
using System.Diagnostics.Metrics;
using CallService.Storage;

namespace CallService.Realtime;

/// <summary>
/// Delivers every committed realtime event to this node's hub in seq order, whichever node wrote it, when the store
/// is shared by several nodes (<see cref="ISharedEventLog"/>, PostgreSQL); with SQLite (one node) it does nothing.
/// </summary>
/// <remarks>
/// <para><b>Inputs.</b> This node's own events come straight from its commits (numbered, in memory: no read).
/// Other nodes' commits are heard as notifications <c>(node, first, last)</c> on the listener's connection; a poll of
/// the last committed number every <see cref="PollWhileListening"/> (every <see cref="PollWhileDeaf"/> while the
/// listener reconnects, and at once after each connect) covers notifications missed while not listening.</para>
/// <para><b>Why the order is right.</b> The store numbers events inside the writing transaction under a lock held to
/// the commit, so numbers follow commits: once number <c>n</c> is known committed, every lower number is committed and
/// visible, or never will be (see <see cref="ISharedEventLog"/>). The feed keeps <c>w</c>, the number up to which it
/// has delivered, and only ever delivers <c>w + 1</c> onwards: its own batch when it starts at <c>w + 1</c>, otherwise
/// one bounded read of <c>(w, n]</c> from the store, where <c>n</c> is the highest number known committed (or the
/// number before this node's next own batch). So each event is delivered once, numbers rise in delivery order for
/// every user on every node, and <see cref="RealtimeHub.DeliverInOrder"/> tells the hub that everything up to
/// <c>w</c> is delivered: a socket attached afterwards gets later events live, and <c>resume</c> (memory or store)
/// covers the rest. Every event, of every user, passes through the hub's memory in seq order, which keeps
/// <see cref="RecentEvents"/>' "memory holds every event above its floor" true for events of other nodes.</para>
/// <para><b>Delay.</b> A notification arrives within milliseconds of the commit and costs one read; a missed one
/// costs at most one poll period, so delivery stays within 1 s of the commit as long as the store answers.</para>
/// </remarks>
internal sealed class ClusterEventFeed : BackgroundService, IEventNotifications
{
    /// <summary>Rows per read of the store (a longer gap is read in several).</summary>
    public const int ReadLimit = 1000;

    public static readonly TimeSpan PollWhileListening = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan PollWhileDeaf = TimeSpan.FromMilliseconds(200);

    private readonly ISharedEventLog? _log;
    private readonly RealtimeHub _hub;
    private readonly EventSequence _sequence;
    private readonly TimeProvider _time;
    private readonly ILogger<ClusterEventFeed> _logger;
    private readonly Counter<long>? _received;
    private readonly Histogram<double>? _delay;

    private readonly Lock _gate = new();
    private readonly SortedList<long, IReadOnlyList<StoredEvent>> _own = new(); // this node's committed batches, by first seq
    private readonly SemaphoreSlim _wake = new(0, 1);
    private long _known; // highest number known committed by another node (or by a poll)
    private volatile bool _listening;
    private int _pollNow;
    private long _delivered; // w: every number up to here is delivered (the loop's own)

    public ClusterEventFeed(ICallStore store, RealtimeHub hub, EventSequence sequence, TimeProvider time,
        ILogger<ClusterEventFeed> logger, IMeterFactory? meters = null)
    {
        (_hub, _sequence, _time, _logger) = (hub, sequence, time, logger);
        _log = store as ISharedEventLog;
        _log?.OnCommitted(Committed);
        if (_log is null || meters is null) return;
        var meter = meters.Create(RealtimeMetrics.MeterName);
        _received = meter.CreateCounter<long>("events.from_other_nodes", "{event}",
            "Realtime events written by other nodes that this node delivered to its hub (sockets and resume memory).");
        _delay = meter.CreateHistogram("cross_node.delay", "s",
            "From an event's production on another node to its delivery to this node's hub.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
    }

    /// <summary>Whether the listener is connected now.</summary>
    public bool Listening => _listening;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_log is null) return; // one node: the writer delivers its own events (RealtimeHub.Deliver)
        while (!TryStart())
        {
            try { await Task.Delay(PollWhileDeaf, stoppingToken); } catch (OperationCanceledException) { return; }
        }
        var listener = _log.ListenAsync(this, stoppingToken);
        try
        {
            await LoopAsync(stoppingToken);
        }
        finally
        {
            try { await listener; } catch (OperationCanceledException) { }
        }
    }

    /// <summary>Starts at the last committed number (before the server takes sockets, when the store answers).</summary>
    private bool TryStart()
    {
        try
        {
            _delivered = _sequence.Last;
            return true;
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Reading the last realtime event number failed; retrying");
            return false;
        }
    }

    private async Task LoopAsync(CancellationToken stoppingToken)
    {
        var lastPoll = Stopwatch.GetTimestamp();
        var failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            var period = _listening ? PollWhileListening : PollWhileDeaf;
            try
            {
                await _wake.WaitAsync(period, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                if (Interlocked.Exchange(ref _pollNow, 0) == 1 || Stopwatch.GetElapsedTime(lastPoll) >= period)
                {
                    Known(_log!.LastCommittedSeq());
                    lastPoll = Stopwatch.GetTimestamp();
                }
                Advance();
                failing = false;
            }
            catch (Exception e)
            {
                if (!failing) _logger.LogError(e, "Reading realtime events of other nodes failed; retrying");
                failing = true;
                Interlocked.Exchange(ref _pollNow, 1);
                try { await Task.Delay(PollWhileDeaf, stoppingToken); } catch (OperationCanceledException) { return; }
            }
        }
    }

    /// <summary>Delivers from <c>w + 1</c> on as far as is known committed.</summary>
    private void Advance()
    {
        while (true)
        {
            IReadOnlyList<StoredEvent>? own = null;
            long upTo;
            lock (_gate)
            {
                while (_own.Count > 0 && _own.Values[0][^1].Seq <= _delivered) _own.RemoveAt(0);
                if (_own.Count > 0 && _own.Keys[0] <= _delivered + 1)
                {
                    own = _own.Values[0];
                    _own.RemoveAt(0);
                }
                upTo = _own.Count > 0 ? _own.Keys[0] - 1 : _known; // a later own batch proves everything before it committed
            }
            if (own is not null)
            {
                var through = own[^1].Seq;
                _hub.DeliverInOrder(own[0].Seq > _delivered ? own : [.. own.Where(e => e.Seq > _delivered)], through);
                _delivered = through;
                continue;
            }
            if (upTo <= _delivered) return;
            var rows = _log!.Read(_delivered, upTo, ReadLimit);
            var reached = rows.Count == ReadLimit ? rows[^1].Event.Seq : upTo;
            _hub.DeliverInOrder([.. rows.Select(r => r.Event)], reached);
            _delivered = reached;
            Count(rows);
        }
    }

    private void Count(IReadOnlyList<SharedEvent> rows)
    {
        if (_received is null) return;
        var now = _time.GetUtcNow();
        foreach (var row in rows)
        {
            if (row.NodeId == _log!.NodeId) continue;
            _received.Add(1);
            _delay!.Record(Math.Max(0, (now - row.Event.At).TotalSeconds));
        }
    }

    /// <summary>This node committed <paramref name="events"/> (numbered, contiguous): called from the committing thread.</summary>
    private void Committed(IReadOnlyList<StoredEvent> events)
    {
        lock (_gate) _own[events[0].Seq] = events;
        Wake();
    }

    public void Notified(string nodeId, long firstSeq, long lastSeq)
    {
        if (nodeId == _log?.NodeId) return; // its own: they come from the commit itself
        Known(lastSeq);
        Wake();
    }

    public void Connected()
    {
        _listening = true;
        Interlocked.Exchange(ref _pollNow, 1); // what was committed while not listening
        Wake();
    }

    public void Disconnected(Exception error)
    {
        if (_listening) _logger.LogWarning(error, "Realtime events listener lost its connection; reconnecting");
        _listening = false;
        Wake();
    }

    private void Known(long seq)
    {
        lock (_gate) _known = Math.Max(_known, seq);
    }

    private void Wake()
    {
        if (_wake.CurrentCount > 0) return;
        try { _wake.Release(); } catch (SemaphoreFullException) { }
    }

    public override void Dispose()
    {
        base.Dispose();
        _wake.Dispose();
    }
}

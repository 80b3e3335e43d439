namespace CallService.Storage;

/// <summary>
/// The realtime event log as several nodes share it (PostgreSQL): the store numbers events as it commits them, in
/// commit order, tells every node about each commit, and lets a node read what it was told about. A store that
/// implements this is read by <see cref="Realtime.ClusterEventFeed"/>; the SQLite store (one node) does not.
/// </summary>
/// <remarks>
/// The rule a reader relies on: event numbers are handed out inside the writing transaction under one lock that is
/// held until the commit, so a transaction that holds higher numbers commits after every transaction that holds lower
/// ones. When a node knows that number <c>n</c> is committed, every event with a lower number is committed and
/// visible too (or never will exist: a number reserved without an event), so one read of <c>(w, n]</c> gives all of
/// them.
/// </remarks>
internal interface ISharedEventLog
{
    /// <summary>This node's id, as written with its events and sent in its notifications.</summary>
    string NodeId { get; }

    /// <summary>
    /// Registers the receiver of this node's own events, numbered, in order, called right after each commit that wrote
    /// some (from the committing thread: it must only queue). One receiver: a later registration replaces the earlier
    /// one (the hub delivers directly until the node's <see cref="Realtime.ClusterEventFeed"/> registers).
    /// </summary>
    void OnCommitted(Action<IReadOnlyList<StoredEvent>> committed);

    /// <summary>The highest event number handed out by a committed transaction (every event up to it is readable).</summary>
    long LastCommittedSeq();

    /// <summary>All users' events with <c>afterSeq &lt; seq ≤ throughSeq</c>, by seq, at most <paramref name="limit"/>.</summary>
    IReadOnlyList<SharedEvent> Read(long afterSeq, long throughSeq, int limit);

    /// <summary>
    /// Listens for other commits on a connection of its own until <paramref name="cancellationToken"/> is cancelled,
    /// reconnecting after a failure (with back-off); tells <paramref name="sink"/> what it hears.
    /// </summary>
    Task ListenAsync(IEventNotifications sink, CancellationToken cancellationToken);
}

/// <summary>An event read back from the shared log, with the node that wrote it (null: written before nodes were recorded).</summary>
internal sealed record SharedEvent(StoredEvent Event, string? NodeId);

/// <summary>What a listener of the shared event log hears.</summary>
internal interface IEventNotifications
{
    /// <summary><paramref name="nodeId"/> committed the events numbered <paramref name="firstSeq"/>..<paramref name="lastSeq"/>.</summary>
    void Notified(string nodeId, long firstSeq, long lastSeq);

    /// <summary>The listener is (again) listening: notifications sent while it was not may have been missed.</summary>
    void Connected();

    /// <summary>The listener lost its connection and is reconnecting.</summary>
    void Disconnected(Exception error);
}

using Npgsql;

namespace CallService.Storage.Postgres;

/// <summary>
/// The realtime event log on PostgreSQL: events are numbered as they are committed (<see cref="PostgresEventNumbering"/>),
/// and every node reads the others' through <see cref="ISharedEventLog"/> (a LISTEN connection and range reads).
/// </summary>
internal sealed partial class PostgresCallStore
{
    public long ReserveEventSeqs(int count) => PostgresEventRows.Reserve(_dataSource, count);

    /// <summary>One group-committed write; events with seq 0 are numbered at its commit. Returns the events as written.</summary>
    public IReadOnlyList<StoredEvent> AppendEvents(IReadOnlyList<StoredEvent> events)
    {
        if (events.Count == 0) return [];
        List<StoredEvent>? mine = null;
        var start = 0;
        _commits.Run((_, _, batch) =>
        {
            (mine, start) = (batch, batch.Count);
            batch.AddRange(events);
            return true;
        });
        return mine!.GetRange(start, events.Count);
    }

    public void OnCommitted(Action<IReadOnlyList<StoredEvent>> committed) => _commits.Committed = committed;

    public long LastCommittedSeq() => PostgresEventRows.LastCommitted(_dataSource);

    public IReadOnlyList<SharedEvent> Read(long afterSeq, long throughSeq, int limit) =>
        PostgresEventRows.Range(_dataSource, afterSeq, throughSeq, limit);

    public Task ListenAsync(IEventNotifications sink, CancellationToken cancellationToken) =>
        PostgresEventListener.RunAsync(_connectionString, _eventChannel, sink, cancellationToken);
}

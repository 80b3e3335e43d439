namespace CallService.Storage;

/// <summary>A node that is not alive (its lease is older than the bound) and still holds non-ended calls.</summary>
/// <param name="NodeId">The lost node.</param>
/// <param name="RenewedAt">Its last lease renewal: the last moment it was known alive; null when it never renewed.</param>
/// <param name="OpenCalls">Some of its non-ended calls (oldest first, at most the limit asked for).</param>
internal sealed record LostNode(string NodeId, DateTimeOffset? RenewedAt, IReadOnlyList<Calls.CallSnapshot> OpenCalls);

/// <summary>
/// What <see cref="ICallStore.EndLostCalls"/> is asked to do: end these calls of a lost node <c>node_lost</c>, on behalf
/// of another node that is itself alive.
/// </summary>
/// <param name="LostNodeId">The node whose calls are ended; never <paramref name="ByNodeId"/>.</param>
/// <param name="ByNodeId">The node taking over; it must be alive (lease renewed at or after <paramref name="AliveSince"/>).</param>
/// <param name="Now">The moment of the takeover: no call ends after it.</param>
/// <param name="AliveSince">Now − <c>Cluster:LeaseSeconds</c>: a lease renewed before this is lost.</param>
/// <param name="Events">
/// Call id → the realtime events of its ending (<c>call.ended</c> to both parties; seq assigned, or 0 for a store that
/// numbers events at commit, <see cref="ISharedEventLog"/>); only the calls
/// named here are ended, and only the events of the calls this takeover actually ended are written.
/// </param>
internal sealed record NodeTakeover(
    string LostNodeId, string ByNodeId, DateTimeOffset Now, DateTimeOffset AliveSince,
    IReadOnlyDictionary<string, IReadOnlyList<StoredEvent>> Events);

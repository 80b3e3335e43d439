using CallService.Common;
using CallService.Storage;

namespace CallService.Calls.Live;

/// <summary>What the relay's access policy needs to know about a call.</summary>
internal sealed record CallAccess(bool Ended, bool AIssued, bool BIssued)
{
    // Eight possible values, shared by every call: a change allocates none, a held call keeps none of its own.
    private static readonly CallAccess[] Shared =
        [.. Enumerable.Range(0, 8).Select(i => new CallAccess((i & 4) != 0, (i & 2) != 0, (i & 1) != 0))];

    /// <summary>Of <paramref name="call"/> as it is now (the caller holds the call's gate, or it is not shared yet).</summary>
    public static CallAccess Of(Call call) =>
        Shared[(call.IsEnded ? 4 : 0) | (call.A.UrlsIssued ? 2 : 0) | (call.B.UrlsIssued ? 1 : 0)];
}

/// <summary>
/// The registry of calls held in memory: live calls, and ended ones for <see cref="CallOptions.RetainEndedSeconds"/>
/// but at most <see cref="CallOptions.RetainEndedMaxCalls"/> of them (the oldest leave first). A call not held here is
/// read from the store (ended, read-only). Its lock is taken alone or inside a call's gate.
/// </summary>
internal sealed class LiveCalls(ICallStore store, ILogger<LiveCalls> logger, Cluster.PlacedCallUrls? placedUrls = null)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, CallEntry> _calls = new(StringComparer.Ordinal);

    // Ended calls still held, in the order they were retained (oldest first): one queue for every call instead of a
    // timer per call, so leaving by age or by the count bound is a look at the head.
    private readonly Queue<(CallEntry Entry, DateTimeOffset Since)> _ended = new();

    public void Add(CallEntry entry)
    {
        lock (_gate) _calls[entry.Call.Id] = entry;
    }

    public void Remove(CallEntry entry)
    {
        lock (_gate)
            if (_calls.TryGetValue(entry.Call.Id, out var current) && current == entry)
                _calls.Remove(entry.Call.Id);
    }

    public CallEntry? TryGet(string callId)
    {
        lock (_gate) return _calls.GetValueOrDefault(callId);
    }

    /// <summary>The call held in memory, else rebuilt from its record; 404 when neither exists, 503 when the store fails.</summary>
    public CallEntry Find(string callId)
    {
        if (TryGet(callId) is { } live) return live;
        CallSnapshot? snapshot;
        try
        {
            snapshot = store.Find(callId);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Reading record of call {CallId} failed", callId);
            throw new StorageUnavailableException("Call records are unavailable.", e);
        }
        if (snapshot is null) throw new NotFoundException($"Call '{callId}' does not exist.");
        var call = Call.Restore(snapshot);
        placedUrls?.Apply(call); // its URLs name the relay it was placed on, whichever node reads it
        return new CallEntry(call, detached: true);
    }

    /// <summary>
    /// An ended call whose record is written (or being retried) stays readable here until <see cref="TakeLeaving"/>
    /// hands it out. Each entry is retained once at a time.
    /// </summary>
    public void Retain(CallEntry entry, DateTimeOffset since)
    {
        lock (_gate) _ended.Enqueue((entry, since));
    }

    /// <summary>
    /// The retained ended calls that must leave now, oldest first: those beyond <paramref name="maxCount"/>, then those
    /// retained at or before <paramref name="cutoff"/>. They stay registered (readable) until <see cref="Remove"/>;
    /// null when none.
    /// </summary>
    public List<CallEntry>? TakeLeaving(DateTimeOffset cutoff, int maxCount)
    {
        lock (_gate)
        {
            List<CallEntry>? leaving = null;
            while (_ended.TryPeek(out var head) && (_ended.Count > maxCount || head.Since <= cutoff))
            {
                _ended.Dequeue();
                (leaving ??= []).Add(head.Entry);
            }
            return leaving;
        }
    }

    /// <summary>Ended calls retained in memory (diagnostics, tests).</summary>
    public int RetainedEndedCount()
    {
        lock (_gate) return _ended.Count;
    }

    public IReadOnlyList<CallEntry> All()
    {
        lock (_gate) return [.. _calls.Values];
    }

    /// <summary>The call's access as of its last change; never waits (relay threads).</summary>
    public CallAccess? AccessOf(string callId) => TryGet(callId)?.Access;

    /// <summary>
    /// Whether the record of a call not held here says it ended (it left memory after its retention or under the count
    /// bound); false when there is no record or the store fails (logged). One indexed read by primary key, awaited (the
    /// relay's access check waits for it without holding a thread on PostgreSQL).
    /// </summary>
    public async ValueTask<bool> EndedInRecordsAsync(string callId, CancellationToken cancellationToken)
    {
        try
        {
            return await store.PlacementOfAsync(callId, cancellationToken).ConfigureAwait(false) is { Ended: true };
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "Reading the record of call {CallId} failed", callId);
            return false;
        }
    }

    /// <summary>Non-ended calls held in memory (diagnostics, tests).</summary>
    public int LiveCount()
    {
        lock (_gate) return _calls.Values.Count(e => !e.Call.IsEnded);
    }
}

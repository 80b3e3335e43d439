using CallContracts.Streams;
using CallService.Storage;
using CallService.Webhooks;

namespace CallService.Calls.Live;

/// <summary>
/// A call held in memory plus its runtime: timers, per-party runtime and persistence bookkeeping. The entry itself is
/// the lock for everything about this call (<see cref="CallTransaction"/>).
/// </summary>
internal sealed class CallEntry(Call call, bool detached = false)
{
    public Call Call { get; } = call;

    /// <summary>Rebuilt from a record (ended, evicted from memory): read-only, never saved.</summary>
    public bool Detached { get; } = detached;

    public int SavedVersion { get; set; } = detached ? call.Version : -1;
    public int SavedTransitions { get; set; } = detached ? call.Transitions.Count : 0;
    public bool Dirty => SavedVersion != Call.Version || UnsavedEvents.Count > 0 || UnsavedWebhooks.Count > 0;

    /// <summary>Events delivered while their write failed: written with the next successful save.</summary>
    public List<StoredEvent> UnsavedEvents { get; } = [];

    /// <summary>Webhook rows of changes whose write failed: written with the next successful save, in their order.</summary>
    public List<OutboxMessage> UnsavedWebhooks { get; } = [];

    public OneShot Ring { get; } = new("ring timeout");
    public OneShot MediaJoin { get; } = new("media-join timeout");
    public OneShot MaxDuration { get; } = new("maximum duration");
    public OneShot Evict { get; } = new("eviction");
    public PartyRuntime A { get; } = new("a");
    public PartyRuntime B { get; } = new("b");

    public PartyRuntime Party(PartyRole role) => role == PartyRole.A ? A : B;

    /// <summary>The call ended: no call timer may fire any more (eviction is separate).</summary>
    public void CancelCallTimers()
    {
        Ring.Cancel(); MediaJoin.Cancel(); MaxDuration.Cancel();
        A.Cancel(); B.Cancel();
    }
}

using CallContracts.Streams;
using CallService.Storage;
using CallService.Webhooks;

namespace CallService.Calls.Live;

/// <summary>
/// A call held in memory plus its runtime: timers, per-party runtime and persistence bookkeeping. Everything about
/// the call is read and changed only while holding <see cref="Gate"/> (<see cref="CallTransaction"/>), except
/// <see cref="Access"/>.
/// </summary>
internal sealed class CallEntry(Call call, bool detached = false)
{
    private volatile CallAccess _access = CallAccess.Of(call);

    public Call Call { get; } = call;

    /// <summary>
    /// The call's gate: one change (or read) at a time, held across the change's awaited save, so a call has at most
    /// one write in flight. Taken asynchronously; the registry's lock may be taken inside it, never the other way.
    /// </summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>What the relay's access policy needs, as of the last change (read without the gate, on relay threads).</summary>
    public CallAccess Access => _access;

    /// <summary>A change was saved (or its write failed and it stays in memory): refreshes <see cref="Access"/>. Under the gate.</summary>
    public void Saved() => _access = CallAccess.Of(Call);

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

    /// <summary>Ended and handed to the registry's retained ended calls (<see cref="LiveCalls.Retain"/>). Under the gate.</summary>
    public bool Retained { get; set; }
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

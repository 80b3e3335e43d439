using CallContracts.Streams;
using CallService.Storage;
using CallService.Webhooks;

namespace CallService.Calls.Live;

/// <summary>
/// A call held in memory plus its runtime (<see cref="CallRuntime"/>: timers, per-party runtime) and persistence
/// bookkeeping. Everything about the call is read and changed only while holding <see cref="Gate"/>
/// (<see cref="CallTransaction"/>), except <see cref="Access"/>. Once ended and written it is frozen: it keeps what its
/// readers need (views, refusals, the relay's access) and nothing else.
/// </summary>
internal sealed class CallEntry(Call call, bool detached = false)
{
    private volatile CallAccess _access = CallAccess.Of(call);
    private CallRuntime? _runtime = detached ? null : new(); // a call rebuilt from its record never runs

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

    /// <summary>
    /// Where the entry is in its life: <see cref="CallEntryStage.Live"/> → (ended and saved) <see cref="CallEntryStage.Retained"/>
    /// → (everything written) <see cref="CallEntryStage.Frozen"/>; or <see cref="CallEntryStage.Detached"/> from the
    /// start. Moved forward only, under the gate, by <see cref="Retain"/> and <see cref="Freeze"/>.
    /// </summary>
    public CallEntryStage Stage { get; private set; } = detached ? CallEntryStage.Detached : CallEntryStage.Live;

    public int SavedVersion { get; private set; } = detached ? call.Version : -1;
    public int SavedTransitions { get; private set; } = detached ? call.Transitions.Count : 0;
    public bool Dirty => SavedVersion != Call.Version || (_runtime is { } r && (r.UnsavedEvents.Count > 0 || r.UnsavedWebhooks.Count > 0));

    /// <summary>
    /// The call ended and a write of it was made: it is handed to the registry's retained ended calls
    /// (<see cref="LiveCalls.Retain"/>) once. <see cref="InvalidOperationException"/> unless live and ended. Under the gate.
    /// </summary>
    public void Retain()
    {
        if (Stage != CallEntryStage.Live || !Call.IsEnded) throw new InvalidOperationException($"Call {Call.Id} is {Stage}, not live and ended: it cannot be retained.");
        Stage = CallEntryStage.Retained;
    }

    /// <summary>The call's runtime; <see cref="InvalidOperationException"/> once frozen (an ended call starts no timer).</summary>
    public CallRuntime Runtime => _runtime ?? throw new InvalidOperationException($"Call {Call.Id} ended and was frozen: it has no runtime.");

    public OneShot Ring => Runtime.Ring;
    public OneShot MediaJoin => Runtime.MediaJoin;
    public OneShot MaxDuration => Runtime.MaxDuration;
    public PartyRuntime A => Runtime.A;
    public PartyRuntime B => Runtime.B;

    public PartyRuntime Party(PartyRole role) => role == PartyRole.A ? A : B;

    /// <summary>The call ended: no call timer may fire any more (eviction is separate).</summary>
    public void CancelCallTimers() => _runtime?.Cancel();

    /// <summary>
    /// The call ended and everything about it is written: it lets go of its runtime (timers disposed) and of what only
    /// its record needs (<see cref="Call.Freeze"/>); its views and refusals answer as before. Under the gate.
    /// </summary>
    public void Freeze()
    {
        if (Stage != CallEntryStage.Retained || Dirty) throw new InvalidOperationException($"Call {Call.Id} is {Stage}, not retained and written: it cannot be frozen.");
        _runtime?.Cancel();
        _runtime = null;
        Stage = CallEntryStage.Frozen;
        Call.Freeze();
    }

    /// <summary>A write failed: its events and webhook rows are written with the next successful one. Under the gate.</summary>
    public void KeepUnsaved(List<StoredEvent> events, List<OutboxMessage> webhooks)
    {
        Runtime.UnsavedEvents.AddRange(events);
        Runtime.UnsavedWebhooks.AddRange(webhooks);
    }

    /// <summary>
    /// Writes what this call has not written yet, with <paramref name="events"/> and <paramref name="webhooks"/>, as one
    /// write. True when written (or nothing to write: frozen or detached, clean); false only when <paramref name="claim"/>
    /// found a party busy (nothing written). Throws what the store throws. Under the gate.
    /// </summary>
    public async ValueTask<bool> SaveAsync(ICallStore store, List<StoredEvent> events, DateTimeOffset now, bool claim, List<OutboxMessage>? webhooks = null)
    {
        webhooks ??= [];
        System.Diagnostics.Debug.Assert(_runtime is not null || (events.Count == 0 && webhooks.Count == 0),
            "A frozen or detached call was given events or webhook rows to write: they would be lost.");
        if (_runtime is not { } runtime || (!claim && !Dirty && events.Count == 0 && webhooks.Count == 0)) return true;
        var all = runtime.UnsavedEvents.Count == 0 ? events : [.. runtime.UnsavedEvents, .. events];
        var hooks = runtime.UnsavedWebhooks.Count == 0 ? webhooks : [.. runtime.UnsavedWebhooks, .. webhooks];
        var write = new CallWrite(CallSnapshot.Of(Call), [.. Call.Transitions.Skip(SavedTransitions)], all, now, claim)
        {
            Webhooks = hooks,
            Stored = SavedVersion >= 0, // a committed write made the row: only its changing columns are written
        };
        if (!await store.SaveAsync(write).ConfigureAwait(false)) return false;
        SavedVersion = Call.Version;
        SavedTransitions = Call.Transitions.Count;
        runtime.UnsavedEvents.Clear();
        runtime.UnsavedWebhooks.Clear();
        return true;
    }
}

using CallContracts.Streams;
using CallService.Auth;
using CallService.Common;
using CallService.Realtime;
using CallService.Storage;
using CallService.Webhooks;
using Microsoft.Extensions.Options;

namespace CallService.Calls.Live;

/// <summary>
/// "Act on a call": take the call's gate → the use case changes <see cref="Call"/> → the lifecycle adds what entering
/// a state means → save (the call and its events, one group-committed write, awaited) → effects (events to sockets,
/// relay kicks) → release the gate. Every change of a call goes through here: party actions, relay events and timers.
/// The gate (<see cref="CallEntry.Gate"/>) is held across the awaited save, so a call has at most one write in flight
/// and its changes, writes and effects keep their order; no thread waits for a commit (an act awaits it). The
/// registry's lock is only taken alone or inside a gate.
/// </summary>
internal sealed partial class CallTransaction(
    TimeProvider time, ICallStore store, LiveCalls calls, CallLifecycle lifecycle, CallEffects effects, RealtimeHub hub,
    IOptions<CallOptions> options, ILogger<CallTransaction> logger) : IDisposable
{
    /// <summary>How often ended calls past <see cref="CallOptions.RetainEndedSeconds"/> are let go (one timer for all).</summary>
    internal static readonly TimeSpan EvictionSweep = TimeSpan.FromSeconds(1);

    private readonly TimeSpan _retainEnded = TimeSpan.FromSeconds(Math.Max(1, options.Value.RetainEndedSeconds));
    private readonly int _retainMax = Math.Max(0, options.Value.RetainEndedMaxCalls);

    // The eviction sweep: started by the first ended call held (a field initialiser cannot reach this instance's
    // methods), then runs every EvictionSweep for the process's life.
    private readonly Lock _sweepStart = new();
    private ITimer? _sweep;
    private bool _disposed;

    public void Dispose()
    {
        lock (_sweepStart)
        {
            _disposed = true;
            _sweep?.Dispose();
        }
    }

    /// <summary>
    /// Saves a new call under the busy rule (one conditional write in the store): when a party is busy the call ends
    /// <c>busy</c> at once. Throws <see cref="StorageUnavailableException"/> (nothing created) when the write fails.
    /// </summary>
    public async Task<T> CreateAsync<T>(Func<DateTimeOffset, Call> newCall, Func<Call, T> result)
    {
        var now = Now();
        var call = newCall(now);
        var entry = new CallEntry(call);
        await entry.Gate.WaitAsync().ConfigureAwait(false); // free: a timer started below waits for it
        try
        {
            var change = NewChange(entry, null, now);
            lifecycle.Created(change);
            if (!await SaveOrThrowAsync(change, claim: true).ConfigureAwait(false))
            {
                call.EndBusy(change.Now);
                change = NewChange(entry, null, change.Now);
                lifecycle.Created(change);
                await SaveOrThrowAsync(change, claim: false).ConfigureAwait(false);
            }
            calls.Add(entry);
            CoordinatorLog.Created(logger, call.Id, call.State.ToWire(), call.Scenario, call.A.UserId, call.B.UserId);
            AfterSave(change);
            return result(call);
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>A party or the service acts on a call; 403 for non-parties (and for the service when <paramref name="partyOnly"/>).</summary>
    public Task<T> ActAsync<T>(string callId, Actor actor, bool partyOnly, Action<CallChange> use, Func<CallChange, T> result) =>
        ActAsync(callId, actor, partyOnly, (use, result), static (change, s) => s.use(change), static (change, s) => s.result(change));

    /// <summary>
    /// As <see cref="ActAsync{T}(string, Actor, bool, Action{CallChange}, Func{CallChange, T})"/>, handing
    /// <paramref name="state"/> to <paramref name="use"/> and <paramref name="result"/> so a hot caller (status reports:
    /// four per lifecycle) passes static lambdas instead of two closures per call.
    /// </summary>
    public async Task<T> ActAsync<TState, T>(string callId, Actor actor, bool partyOnly, TState state,
        Action<CallChange, TState> use, Func<CallChange, TState, T> result)
    {
        var entry = calls.Find(callId);
        await entry.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var role = RoleOf(entry.Call, actor);
            if (partyOnly && role is null)
                throw new ForbiddenException("party_token_required", "This action needs the user token of a party of the call.");
            var change = NewChange(entry, role, Now());
            var before = entry.Call.State;
            use(change, state);
            if (!await CommitAsync(change, before).ConfigureAwait(false))
                throw new StorageUnavailableException("The call changed but its record could not be written; it is retried on the next change.");
            return result(change, state);
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>Reads a call as <paramref name="viewer"/> may see it (403 for non-parties), between its changes.</summary>
    public Task<T> ReadAsync<T>(string callId, Actor viewer, Func<Call, T> result) =>
        PeekAsync(calls.Find(callId), call =>
        {
            RoleOf(call, viewer);
            return result(call);
        });

    /// <summary>Reads a call held in memory between its changes (no access check: listings, diagnostics).</summary>
    public static async Task<T> PeekAsync<T>(CallEntry entry, Func<Call, T> result)
    {
        await entry.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            return result(entry.Call);
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>The relay's view changes a live call held here; ended and unknown calls are left alone.</summary>
    public async Task ApplyAsync(string callId, Action<CallChange> use)
    {
        if (calls.TryGet(callId) is not { } entry) return;
        await entry.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (entry.Call.IsEnded) return;
            var change = NewChange(entry, null, Now());
            var before = entry.Call.State;
            use(change);
            await CommitAsync(change, before).ConfigureAwait(false);
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>The role of a user actor in the call (403 for non-parties); null for the service.</summary>
    public static PartyRole? RoleOf(Call call, Actor actor) => actor switch
    {
        UserActor user => call.PartyOf(user.UserId)?.Role
                          ?? throw new ForbiddenException("not_a_party", "The token's user is not a party of this call."),
        _ => null,
    };

    private CallChange NewChange(CallEntry entry, PartyRole? role, DateTimeOffset now) => new(entry, role, now, hub, this);

    /// <summary>Saves (keeping the events of a failed write for the next one) and runs the effects. False when the write failed.</summary>
    private async Task<bool> CommitAsync(CallChange change, CallState before)
    {
        if (change.Call.State != before) lifecycle.Entered(change, before);
        bool saved;
        try
        {
            saved = await change.Entry.SaveAsync(store, change.Events, change.Now, claim: false, change.Webhooks).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Writing record of call {CallId} ({State}) failed", change.Call.Id, change.Call.State.ToWire());
            change.Entry.KeepUnsaved(change.Events, change.Webhooks);
            saved = false;
        }
        AfterSave(change);
        return saved;
    }

    private async Task<bool> SaveOrThrowAsync(CallChange change, bool claim)
    {
        try
        {
            return await change.Entry.SaveAsync(store, change.Events, change.Now, claim, change.Webhooks).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            change.Entry.CancelCallTimers();
            logger.LogError(e, "Writing record of new call {CallId} failed", change.Call.Id);
            throw new StorageUnavailableException("The call could not be recorded; it was not created.", e);
        }
    }

    private void AfterSave(CallChange change)
    {
        effects.Run(change);
        var entry = change.Entry;
        entry.Saved();
        if (entry.Stage == CallEntryStage.Live && entry.Call.IsEnded)
        {
            entry.Retain();
            calls.Retain(entry, change.Now);
            StartSweep();
            Leave(calls.TakeLeaving(DateTimeOffset.MinValue, _retainMax)); // over the count bound: the oldest leave now
        }
        // Ended and written: what only a live call needs goes (its readers answer from what stays).
        if (entry.Stage == CallEntryStage.Retained && !entry.Dirty) entry.Freeze();
    }

    private void StartSweep()
    {
        if (Volatile.Read(ref _sweep) is not null) return;
        lock (_sweepStart)
            if (_sweep is null && !_disposed)
                Volatile.Write(ref _sweep, OneShot.CreateTimer(time, _ => Leave(calls.TakeLeaving(Now() - _retainEnded, _retainMax)),
                    EvictionSweep, EvictionSweep));
    }

    /// <summary>Ended calls leave memory, each through its gate (never waited for here: this may hold another call's gate).</summary>
    private void Leave(List<CallEntry>? leaving)
    {
        if (leaving is null) return;
        foreach (var entry in leaving)
            Background(() => EvictAsync(entry), entry, "eviction");
    }

    /// <summary>An ended call leaves memory once its record is written: nothing is silently dropped (a failed write keeps it).</summary>
    private async Task EvictAsync(CallEntry entry)
    {
        await entry.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await entry.SaveAsync(store, [], Now(), claim: false).ConfigureAwait(false);
            calls.Remove(entry);
        }
        catch (Exception e)
        {
            // Retained again (its turn comes back after the retention, or sooner under the count bound).
            logger.LogError(e, "Writing record of call {CallId} failed; kept in memory", entry.Call.Id);
            calls.Retain(entry, Now());
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>Millisecond precision: what the records keep, so responses and records agree.</summary>
    private DateTimeOffset Now()
    {
        var now = time.GetUtcNow();
        return now.AddTicks(-(now.UtcTicks % TimeSpan.TicksPerMillisecond));
    }
}

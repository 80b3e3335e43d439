using System.Security.Cryptography;
using CallContracts.Calls;
using CallContracts.Streams;
using CallService.Auth;
using CallService.Common;
using CallService.Realtime;
using CallService.Records;
using CallService.Rules;
using Microsoft.Extensions.Options;

namespace CallService.Calls;

/// <summary>A call to create, after validation.</summary>
internal sealed record NewCall(string Caller, string Callee, string Scenario, bool Ring, CallTimerSettings Timers);

/// <summary>What the relay's access policy needs to know about a call.</summary>
internal sealed record CallAccess(bool Ended, bool AIssued, bool BIssued);

/// <summary>
/// Holds the live calls and is the only place that applies <see cref="Call"/> transitions, persists them and
/// runs their side effects (realtime events, relay kicks, timers). Locking: the entry is the lock for one
/// call; <c>_gate</c> guards the registry and the busy index and is only ever taken inside an entry lock or
/// alone, so "is the callee busy?" and "claim both users" happen in one critical section.
/// </summary>
internal sealed partial class CallCoordinator(
    TimeProvider time, ICallRecordStore store, RealtimeHub hub, CallViews views, HangupRules rules,
    IOptions<CallOptions> options, IServiceProvider services, ILogger<CallCoordinator> logger)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, CallEntry> _calls = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _activeCallOfUser = new(StringComparer.Ordinal);
    private readonly CallOptions _options = options.Value;

    public CallResponse Create(NewCall spec, Actor viewer)
    {
        var now = Now();
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10));
        var call = Call.Create(id, spec.Caller, spec.Callee, spec.Scenario, spec.Ring, spec.Timers, now);
        var entry = new CallEntry(call);
        lock (entry)
        {
            bool busy;
            lock (_gate)
            {
                busy = _activeCallOfUser.ContainsKey(spec.Caller) || _activeCallOfUser.ContainsKey(spec.Callee);
                if (!busy) _activeCallOfUser[spec.Caller] = _activeCallOfUser[spec.Callee] = id;
                _calls[id] = entry;
            }
            if (busy) call.EndBusy(now);
            if (!TrySave(entry))
            {
                lock (_gate)
                {
                    _calls.Remove(id);
                    ReleaseUsers(call);
                }
                throw new StorageUnavailableException("The call could not be recorded; it was not created.");
            }
            CoordinatorLog.Created(logger, id, call.State.ToWire(), spec.Scenario, spec.Caller, spec.Callee);
            OnCreated(entry);
            return views.Response(call, viewer);
        }
    }

    public CallResponse Get(string callId, Actor viewer)
    {
        var entry = Find(callId);
        lock (entry)
        {
            RoleOf(entry.Call, viewer);
            return views.Response(entry.Call, viewer);
        }
    }

    public IReadOnlyList<CallResponse> ListActive(Actor viewer)
    {
        CallEntry[] entries;
        lock (_gate) entries = [.. _calls.Values];
        var list = new List<CallResponse>();
        foreach (var entry in entries)
            lock (entry)
                if (!entry.Call.IsEnded) list.Add(views.Response(entry.Call, viewer));
        return [.. list.OrderBy(c => c.CreatedAt)];
    }

    public CallResponse Accept(string callId, Actor actor) =>
        Act(callId, actor, partyOnly: true, (call, role, now) => call.Accept(role!.Value, now));

    public CallResponse Reject(string callId, Actor actor) =>
        Act(callId, actor, partyOnly: true, (call, role, now) => call.Reject(role!.Value, now));

    public CallResponse Cancel(string callId, Actor actor) =>
        Act(callId, actor, partyOnly: true, (call, role, now) => call.Cancel(role!.Value, now));

    public CallResponse Hangup(string callId, Actor actor) =>
        Act(callId, actor, partyOnly: false, (call, role, now) => call.Hangup(role?.ToEnder() ?? Ender.System, now));

    /// <summary>Liveness ping from a party's page; changes nothing, answers with the call (clients poll it).</summary>
    public CallResponse Heartbeat(string callId, Actor actor) =>
        Act(callId, actor, partyOnly: true, (_, _, _) => { });

    public CallAccess? AccessOf(string callId)
    {
        CallEntry? entry;
        lock (_gate) _calls.TryGetValue(callId, out entry);
        if (entry is null) return null;
        lock (entry) return new CallAccess(entry.Call.IsEnded, entry.Call.A.UrlsIssued, entry.Call.B.UrlsIssued);
    }

    /// <summary>Runs a party action under the call's lock, persists it and runs its effects.</summary>
    private CallResponse Act(string callId, Actor actor, bool partyOnly, Action<Call, PartyRole?, DateTimeOffset> action)
    {
        var entry = Find(callId);
        lock (entry)
        {
            var role = RoleOf(entry.Call, actor);
            if (partyOnly && role is null)
                throw new ForbiddenException("party_token_required", "This action needs the user token of a party of the call.");
            var before = entry.Call.State;
            action(entry.Call, role, Now());
            if (!Commit(entry, before))
                throw new StorageUnavailableException("The call changed but its record could not be written; it is retried on the next change.");
            return views.Response(entry.Call, actor);
        }
    }

    /// <summary>The role of a user actor in the call (403 for non-parties); null for the service.</summary>
    private static PartyRole? RoleOf(Call call, Actor actor) => actor switch
    {
        UserActor user => call.PartyOf(user.UserId)?.Role
                          ?? throw new ForbiddenException("not_a_party", "The token's user is not a party of this call."),
        _ => null,
    };

    private CallEntry Find(string callId)
    {
        lock (_gate)
            if (_calls.TryGetValue(callId, out var live)) return live;
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
        return snapshot is null
            ? throw new NotFoundException($"Call '{callId}' does not exist.")
            : new CallEntry(Call.Restore(snapshot), detached: true);
    }

    /// <summary>Persists if anything changed; runs the effects of a state change. False when the write failed.</summary>
    private bool Commit(CallEntry entry, CallState before)
    {
        var saved = TrySave(entry);
        if (entry.Call.State != before) AfterTransition(entry, before);
        return saved;
    }

    private bool TrySave(CallEntry entry)
    {
        if (entry.Detached || !entry.Dirty) return true;
        var call = entry.Call;
        try
        {
            store.Save(CallSnapshot.Of(call), [.. call.Transitions.Skip(entry.SavedTransitions)]);
            entry.SavedVersion = call.Version;
            entry.SavedTransitions = call.Transitions.Count;
            return true;
        }
        catch (Exception e)
        {
            logger.LogError(e, "Writing record of call {CallId} ({State}) failed", call.Id, call.State.ToWire());
            return false;
        }
    }

    /// <summary>Millisecond precision: what the records keep, so responses and records agree.</summary>
    private DateTimeOffset Now()
    {
        var now = time.GetUtcNow();
        return now.AddTicks(-(now.UtcTicks % TimeSpan.TicksPerMillisecond));
    }

    private void ReleaseUsers(Call call)
    {
        foreach (var party in (CallParty[])[call.A, call.B])
            if (_activeCallOfUser.TryGetValue(party.UserId, out var active) && active == call.Id)
                _activeCallOfUser.Remove(party.UserId);
    }

    /// <summary>Non-ended calls held in memory (diagnostics, tests).</summary>
    internal int LiveCount()
    {
        lock (_gate) return _calls.Values.Count(e => !e.Call.IsEnded);
    }
}

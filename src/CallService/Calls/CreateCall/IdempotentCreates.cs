using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using CallContracts.Calls;
using CallService.Auth;
using CallService.Common;

namespace CallService.Calls.CreateCall;

/// <summary>
/// <c>Idempotency-Key</c> for <c>POST /v1/calls</c>: mobile clients and backends retry a create whose answer got
/// lost; without this the retry creates a second call that ends <c>busy</c> against the first. A key is scoped to
/// the caller's credentials (the API key, or the token's user) and kept <see cref="Retention"/>: the same key with
/// the same body returns the original response; with a different body → 409 (<c>idempotency_key_reused</c>).
/// In memory: keys do not survive a restart and are not shared between nodes.
/// </summary>
internal sealed class IdempotentCreates(TimeProvider time)
{
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);
    private static readonly TimeSpan SweepEvery = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<(string Scope, string Key), Slot> _slots = new();
    private long _lastSweepTicks;

    /// <summary>
    /// Runs <paramref name="create"/> once per (scope, key) within <see cref="Retention"/>. A concurrent retry with
    /// the same key waits for the first and gets its answer; a failed create leaves the key free.
    /// </summary>
    public CallResponse Run(Actor actor, string key, CreateCallCommand command, Func<CallResponse> create)
    {
        var now = time.GetUtcNow();
        Sweep(now);
        var fingerprint = Fingerprint(command);
        var slot = _slots.GetOrAdd((Scope(actor), key), _ => new Slot());
        lock (slot)
        {
            if (slot.Response is not null && now - slot.At >= Retention) slot.Response = null; // expired: a new request
            if (slot.Response is not null)
                return slot.Fingerprint == fingerprint
                    ? slot.Response
                    : throw new CallRuleException("idempotency_key_reused",
                        "This Idempotency-Key was already used with a different request body.");
            var response = create();
            (slot.Response, slot.Fingerprint, slot.At) = (response, fingerprint, now);
            return response;
        }
    }

    private static string Scope(Actor actor) => actor is UserActor user ? "user:" + user.UserId : "service";

    /// <summary>The body as bound (so whitespace and property order do not matter), hashed.</summary>
    private static string Fingerprint(CreateCallCommand c)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            c.Caller, c.Callee, c.Scenario, c.Ring, c.Pusher, c.Player,
            c.RingTimeoutSeconds, c.MediaJoinTimeoutSeconds, c.PublisherLostGraceSeconds, c.MaxDurationSeconds,
        });
        return Convert.ToHexString(SHA256.HashData(body));
    }

    private void Sweep(DateTimeOffset now)
    {
        var last = Interlocked.Read(ref _lastSweepTicks);
        if (now.UtcTicks - last < SweepEvery.Ticks || Interlocked.CompareExchange(ref _lastSweepTicks, now.UtcTicks, last) != last) return;
        foreach (var (k, slot) in _slots)
        {
            bool expired;
            lock (slot) expired = slot.Response is not null && now - slot.At >= Retention;
            if (expired) _slots.TryRemove(new KeyValuePair<(string, string), Slot>(k, slot));
        }
    }

    private sealed class Slot
    {
        public CallResponse? Response { get; set; }
        public string Fingerprint { get; set; } = "";
        public DateTimeOffset At { get; set; }
    }
}

using System.Security.Cryptography;
using System.Text.Json;
using CallContracts.Calls;
using CallService.Auth;
using CallService.Common;
using CallService.Storage;

namespace CallService.Calls.CreateCall;

/// <summary>
/// <c>Idempotency-Key</c> for <c>POST /v1/calls</c>: mobile clients and backends retry a create whose answer got
/// lost; without this the retry creates a second call that ends <c>busy</c> against the first. A key is scoped to
/// the caller's credentials (the API key, or the token's user) and kept <see cref="Retention"/> in the store (so it
/// survives a restart and holds for every node): the same key with the same body returns the original response;
/// with a different body → 409 (<c>idempotency_key_reused</c>).
/// </summary>
internal sealed class IdempotentCreates(ICallStore store, TimeProvider time, ILogger<IdempotentCreates> logger)
{
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // A concurrent retry on this node waits (asynchronously) for the first one's answer (keys are spread over a fixed set of gates).
    private readonly SemaphoreSlim[] _stripes = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    /// <summary>
    /// Runs <paramref name="create"/> once per (scope, key) within <see cref="Retention"/>. The key is taken by one
    /// conditional write before the create; a failed create gives it back.
    /// </summary>
    public async Task<CallResponse> RunAsync(Actor actor, string key, CreateCallCommand command, Func<Task<CallResponse>> create)
    {
        var scope = actor is UserActor user ? "user:" + user.UserId : "service";
        var fingerprint = Fingerprint(command);
        var stripe = _stripes[(uint)HashCode.Combine(scope, key) % (uint)_stripes.Length];
        await stripe.WaitAsync().ConfigureAwait(false);
        try
        {
            var now = time.GetUtcNow();
            var held = Store(() => store.TakeIdempotencyKey(scope, key, fingerprint, now, now - Retention));
            if (held is not null)
            {
                if (held.Fingerprint != fingerprint)
                    throw new CallRuleException("idempotency_key_reused", "This Idempotency-Key was already used with a different request body.");
                return held.Response is { } saved
                    ? JsonSerializer.Deserialize<CallResponse>(saved, Json)!
                    : throw new CallRuleException("idempotency_key_in_use", "A request with this Idempotency-Key is still running; retry it shortly.");
            }
            CallResponse response;
            try
            {
                response = await create().ConfigureAwait(false);
            }
            catch
            {
                Store(() => { store.ReleaseIdempotencyKey(scope, key); return 0; });
                throw;
            }
            Store(() => { store.CompleteIdempotencyKey(scope, key, JsonSerializer.Serialize(response, Json)); return 0; });
            return response;
        }
        finally
        {
            stripe.Release();
        }
    }

    private T Store<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception e)
        {
            logger.LogError(e, "Idempotency key store failed");
            throw new StorageUnavailableException("Idempotency keys are unavailable.", e);
        }
    }

    /// <summary>
    /// The body as bound (so whitespace and property order do not matter), hashed. <c>recording</c> is part of it only
    /// when sent, so keys taken before the field existed keep their fingerprints.
    /// </summary>
    private static string Fingerprint(CreateCallCommand c)
    {
        var fields = new
        {
            c.Caller, c.Callee, c.Scenario, c.Ring, c.Pusher, c.Player,
            c.RingTimeoutSeconds, c.MediaJoinTimeoutSeconds, c.PublisherLostGraceSeconds, c.MaxDurationSeconds,
        };
        var body = c.Recording is null
            ? JsonSerializer.SerializeToUtf8Bytes(fields)
            : JsonSerializer.SerializeToUtf8Bytes(new { fields, c.Recording });
        return Convert.ToHexString(SHA256.HashData(body));
    }
}

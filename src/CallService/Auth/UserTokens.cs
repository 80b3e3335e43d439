using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace CallService.Auth;

internal enum TokenVerdict { Valid, Malformed, BadSignature, Expired }

/// <summary>
/// User tokens: <c>v1.{base64url(json {sub, exp})}.{base64url(HMAC-SHA256(key, "v1." + payload))}</c>.
/// Stateless; expiry is checked against <see cref="TimeProvider"/>.
/// </summary>
internal sealed class UserTokens(ServiceSecrets secrets, TimeProvider time)
{
    private const string Prefix = "v1.";

    /// <summary>Memory guard of <see cref="_verified"/>: past this many entries the cache starts over.</summary>
    private const int MaxCachedTokens = 100_000;

    /// <summary>
    /// Tokens whose signature and payload were already checked (a client presents the same token on every request):
    /// the exact token string maps to its user and expiry, so a hit skips the HMAC and the JSON; expiry is still
    /// checked against the clock on every use. Only well-signed tokens enter, so the cache cannot be filled with junk.
    /// </summary>
    private readonly ConcurrentDictionary<string, (string UserId, long Exp)> _verified = new(StringComparer.Ordinal);

    public (string Token, DateTimeOffset ExpiresAt) Issue(string userId, TimeSpan ttl)
    {
        var expiresAt = DateTimeOffset.FromUnixTimeSeconds((time.GetUtcNow() + ttl).ToUnixTimeSeconds());
        var payload = JsonSerializer.SerializeToUtf8Bytes(new TokenPayload(userId, expiresAt.ToUnixTimeSeconds()));
        var signed = Prefix + Base64Url.EncodeToString(payload);
        return (signed + "." + Sign(signed), expiresAt);
    }

    /// <summary>
    /// <see cref="Verify(string, out string)"/> of a token read in place (the request's header): a token already
    /// verified is found without copying it into a string; only a token seen for the first time is copied.
    /// </summary>
    public TokenVerdict Verify(ReadOnlySpan<char> token, out string userId) =>
        _verified.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(token, out var known)
            ? Known(known, out userId)
            : Verify(token.ToString(), out userId);

    public TokenVerdict Verify(string token, out string userId)
    {
        if (_verified.TryGetValue(token, out var known))
            return Known(known, out userId);
        var verdict = VerifyUncached(token, out userId, out var exp);
        if (verdict == TokenVerdict.Valid)
        {
            if (_verified.Count >= MaxCachedTokens) _verified.Clear();
            _verified.TryAdd(token, (userId, exp));
        }
        return verdict;
    }

    private TokenVerdict Known((string UserId, long Exp) known, out string userId)
    {
        userId = "";
        if (DateTimeOffset.FromUnixTimeSeconds(known.Exp) <= time.GetUtcNow()) return TokenVerdict.Expired;
        userId = known.UserId;
        return TokenVerdict.Valid;
    }

    private TokenVerdict VerifyUncached(string token, out string userId, out long exp)
    {
        userId = "";
        exp = 0;
        if (!token.StartsWith(Prefix, StringComparison.Ordinal)) return TokenVerdict.Malformed;
        var dot = token.LastIndexOf('.');
        if (dot <= Prefix.Length) return TokenVerdict.Malformed;
        var signed = token[..dot];
        var presented = Encoding.ASCII.GetBytes(token[(dot + 1)..]);
        if (!CryptographicOperations.FixedTimeEquals(presented, Encoding.ASCII.GetBytes(Sign(signed))))
            return TokenVerdict.BadSignature;
        TokenPayload? payload;
        try
        {
            payload = JsonSerializer.Deserialize<TokenPayload>(Base64Url.DecodeFromChars(signed.AsSpan(Prefix.Length)));
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return TokenVerdict.Malformed;
        }
        if (payload is null || string.IsNullOrEmpty(payload.Sub)) return TokenVerdict.Malformed;
        if (DateTimeOffset.FromUnixTimeSeconds(payload.Exp) <= time.GetUtcNow()) return TokenVerdict.Expired;
        userId = payload.Sub;
        exp = payload.Exp;
        return TokenVerdict.Valid;
    }

    private string Sign(string signed) =>
        Base64Url.EncodeToString(HMACSHA256.HashData(secrets.TokenSigningKey, Encoding.ASCII.GetBytes(signed)));

    private sealed record TokenPayload(
        [property: System.Text.Json.Serialization.JsonPropertyName("sub")] string Sub,
        [property: System.Text.Json.Serialization.JsonPropertyName("exp")] long Exp);
}

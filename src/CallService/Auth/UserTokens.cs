using System.Buffers.Text;
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

    public (string Token, DateTimeOffset ExpiresAt) Issue(string userId, TimeSpan ttl)
    {
        var expiresAt = DateTimeOffset.FromUnixTimeSeconds((time.GetUtcNow() + ttl).ToUnixTimeSeconds());
        var payload = JsonSerializer.SerializeToUtf8Bytes(new TokenPayload(userId, expiresAt.ToUnixTimeSeconds()));
        var signed = Prefix + Base64Url.EncodeToString(payload);
        return (signed + "." + Sign(signed), expiresAt);
    }

    public TokenVerdict Verify(string token, out string userId)
    {
        userId = "";
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
        return TokenVerdict.Valid;
    }

    private string Sign(string signed) =>
        Base64Url.EncodeToString(HMACSHA256.HashData(secrets.TokenSigningKey, Encoding.ASCII.GetBytes(signed)));

    private sealed record TokenPayload(
        [property: System.Text.Json.Serialization.JsonPropertyName("sub")] string Sub,
        [property: System.Text.Json.Serialization.JsonPropertyName("exp")] long Exp);
}

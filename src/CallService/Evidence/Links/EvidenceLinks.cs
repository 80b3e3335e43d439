using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CallService.Auth;
using CallService.Common;
using Microsoft.Extensions.Options;

namespace CallService.Evidence.Links;

/// <summary>
/// Signed, expiring download links: <c>{base}/v1/calls/{callId}/{recordings|snapshots}/{id}/content?expires={unix s}&amp;sig={…}</c>,
/// <c>sig</c> = base64url(HMAC-SHA256(key, "kind\ncallId\nid\nexpires")) (RFC 2104). The key is derived from
/// <c>Auth:TokenSigningKey</c> (already the same on every node), so a link made by one node opens on all of them and
/// never equals a token signature. No bearer header is needed: a browser <c>&lt;video src&gt;</c> can use it.
/// </summary>
internal sealed class EvidenceLinks(ServiceSecrets secrets, IOptions<RecordingOptions> options, TimeProvider time)
{
    public const string Recordings = "recordings";
    public const string Snapshots = "snapshots";

    private readonly byte[] _key = HMACSHA256.HashData(secrets.TokenSigningKey, "CallService evidence links v1"u8);

    /// <summary>A link valid <c>Recording:LinkTtlSeconds</c> from now; <paramref name="baseUrl"/> is the service's public origin.</summary>
    public string Sign(string baseUrl, string kind, string callId, string id)
    {
        var expires = time.GetUtcNow().ToUnixTimeSeconds() + Math.Max(1, options.Value.LinkTtlSeconds);
        var sig = Signature(kind, callId, id, expires);
        return $"{baseUrl.TrimEnd('/')}/v1/calls/{callId}/{kind}/{id}/content?expires={expires.ToString(CultureInfo.InvariantCulture)}&sig={sig}";
    }

    /// <summary>Checks a presented link: 403 problem details (<c>link_invalid</c> or <c>link_expired</c>) when it does not hold.</summary>
    public void Verify(string kind, string callId, string id, string? expires, string? sig)
    {
        if (!long.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out var at) || string.IsNullOrEmpty(sig) ||
            !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Signature(kind, callId, id, at)), Encoding.ASCII.GetBytes(sig)))
            throw new ForbiddenException("link_invalid", "The link's signature does not match (altered or not issued by this service).");
        if (time.GetUtcNow().ToUnixTimeSeconds() > at)
            throw new ForbiddenException("link_expired", "The link expired; ask for a new one (GET /v1/calls/{id}/recordings or /snapshots).");
    }

    private string Signature(string kind, string callId, string id, long expires) =>
        Base64Url.EncodeToString(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{kind}\n{callId}\n{id}\n{expires.ToString(CultureInfo.InvariantCulture)}")));
}

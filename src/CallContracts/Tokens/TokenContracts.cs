namespace CallContracts.Tokens;

/// <summary>Body of <c>POST /v1/tokens</c> (API key).</summary>
public sealed record TokenRequest
{
    /// <summary>The user the token is for (same rules as call user ids).</summary>
    public string? UserId { get; init; }

    /// <summary>Lifetime in seconds, 60–86400; default 3600.</summary>
    public int? TtlSeconds { get; init; }
}

/// <summary>A user token (HMAC-SHA256 signed, expiring).</summary>
/// <param name="Token">Use as <c>Authorization: Bearer &lt;token&gt;</c> or WebSocket <c>?token=</c>.</param>
/// <param name="ExpiresAt">Expiry, ISO-8601 UTC.</param>
public sealed record TokenResponse(string Token, DateTimeOffset ExpiresAt);

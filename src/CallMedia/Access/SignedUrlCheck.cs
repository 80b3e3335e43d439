namespace CallMedia.Access;

/// <summary>Why a signed URL was refused. <see cref="Valid"/> means it was accepted.</summary>
public enum SignedUrlVerdict
{
    /// <summary>Signature matches and has not expired.</summary>
    Valid,
    /// <summary><c>txSecret</c> or <c>txTime</c> is missing or malformed.</summary>
    Missing,
    /// <summary>The signature does not match the key, stream and txTime (tampered, or signed with the other key).</summary>
    BadSignature,
    /// <summary><c>txTime</c> is in the past.</summary>
    Expired,
}

/// <summary>Verifies <c>txSecret</c>/<c>txTime</c> query parameters of a push or play URL.</summary>
public static class SignedUrlCheck
{
    /// <summary>
    /// Verifies the <c>txSecret</c>/<c>txTime</c> of <paramref name="query"/> (raw query string, with or
    /// without leading '?') for <paramref name="streamName"/> against <paramref name="key"/> at time <paramref name="now"/>.
    /// </summary>
    public static SignedUrlVerdict Verify(string key, string streamName, string? query, DateTimeOffset now)
    {
        var parameters = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query);
        if (!parameters.TryGetValue("txSecret", out var secret) || !parameters.TryGetValue("txTime", out var time) ||
            secret.Count != 1 || time.Count != 1 || string.IsNullOrEmpty(secret[0]) || string.IsNullOrEmpty(time[0]))
            return SignedUrlVerdict.Missing;
        if (!TxSecret.TryParseTxTime(time[0], out var expiresAt))
            return SignedUrlVerdict.Missing;
        if (!TxSecret.Matches(key, streamName, time[0]!, secret[0]!))
            return SignedUrlVerdict.BadSignature;
        return expiresAt <= now ? SignedUrlVerdict.Expired : SignedUrlVerdict.Valid;
    }
}

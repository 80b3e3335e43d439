using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CallMedia.Access;

/// <summary>
/// The signed-URL scheme cloud live services use: <c>txTime</c> is the expiry as upper-case hex Unix
/// seconds and <c>txSecret = lowercase hex MD5(key + streamName + txTime)</c>. Push and play URLs are
/// signed with different keys so a play URL can never publish (DESIGN §4).
/// </summary>
public static class TxSecret
{
    /// <summary>Formats an expiry as <c>txTime</c>: upper-case hex Unix seconds, e.g. <c>5C271099</c>.</summary>
    public static string FormatTxTime(DateTimeOffset expiresAt) =>
        expiresAt.ToUnixTimeSeconds().ToString("X", CultureInfo.InvariantCulture);

    /// <summary>
    /// Parses a <c>txTime</c> (hex Unix seconds, either case). Returns false when it is not 1–16 hex digits.
    /// </summary>
    public static bool TryParseTxTime(ReadOnlySpan<char> txTime, out DateTimeOffset expiresAt)
    {
        expiresAt = default;
        if (txTime.Length is 0 or > 16 ||
            !long.TryParse(txTime, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var seconds) ||
            seconds < 0 || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
            return false;
        expiresAt = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return true;
    }

    /// <summary>Computes <c>txSecret</c>: lowercase hex MD5 of <paramref name="key"/> + stream name + txTime.</summary>
    public static string Compute(string key, string streamName, string txTime)
    {
        var input = Encoding.UTF8.GetBytes(key + streamName + txTime);
        return Convert.ToHexStringLower(MD5.HashData(input));
    }

    /// <summary>The query string (without '?') for a URL to <paramref name="streamName"/> valid until <paramref name="expiresAt"/>.</summary>
    public static string Query(string key, string streamName, DateTimeOffset expiresAt)
    {
        var txTime = FormatTxTime(expiresAt);
        return $"txSecret={Compute(key, streamName, txTime)}&txTime={txTime}";
    }

    /// <summary>
    /// Checks a presented signature in constant time. True only when <paramref name="txSecret"/> equals
    /// the MD5 for this key, stream and txTime (case-insensitive hex).
    /// </summary>
    public static bool Matches(string key, string streamName, string txTime, string txSecret)
    {
        var expected = Encoding.ASCII.GetBytes(Compute(key, streamName, txTime));
        var presented = Encoding.ASCII.GetBytes(txSecret.ToLowerInvariant());
        return CryptographicOperations.FixedTimeEquals(expected, presented);
    }
}

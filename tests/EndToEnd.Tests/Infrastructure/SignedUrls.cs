using CallMedia.Access;

namespace EndToEnd.Tests.Infrastructure;

/// <summary>Builds the bad URLs a tester (or attacker) would try against the relay.</summary>
internal static class SignedUrls
{
    /// <summary>The same URL with one hex digit of <c>txSecret</c> changed.</summary>
    public static string Tamper(string url)
    {
        var at = url.IndexOf("txSecret=", StringComparison.Ordinal) + "txSecret=".Length;
        var flipped = url[at] == '0' ? '1' : '0';
        return url[..at] + flipped + url[(at + 1)..];
    }

    /// <summary>The URL's stream signed again with <paramref name="key"/>, valid until <paramref name="expiresAt"/>.</summary>
    public static string Resign(string url, string key, DateTimeOffset expiresAt)
    {
        var path = url[..url.IndexOf('?')];
        var stream = path[(path.LastIndexOf('/') + 1)..];
        if (stream.EndsWith(".flv", StringComparison.Ordinal))
            stream = stream[..^4];
        return path + "?" + TxSecret.Query(key, stream, expiresAt);
    }

    /// <summary><paramref name="url"/>'s path with <paramref name="donor"/>'s query (a valid signature for another stream).</summary>
    public static string WithQueryOf(string url, string donor) => url[..url.IndexOf('?')] + donor[donor.IndexOf('?')..];
}

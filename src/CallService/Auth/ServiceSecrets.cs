using System.Security.Cryptography;
using System.Text;
using CallService.Hosting;

namespace CallService.Auth;

/// <summary>
/// API keys and signing keys. Configured values win; absent ones are generated once and persisted under the
/// data directory (owner-only file mode from the first byte, see <see cref="DataDirectory.WritePrivateText"/>) so URLs,
/// tokens and the dev API key survive restarts.
/// </summary>
internal sealed class ServiceSecrets
{
    public ServiceSecrets(IConfiguration configuration, DataDirectory data)
    {
        var configured = configuration.GetSection("Auth:ApiKeys").GetChildren()
            .Select(c => c.Value).OfType<string>().Where(v => v.Length > 0).ToArray();
        if (configured.Length == 0)
        {
            DevApiKey = GetOrCreate(data, "dev-api-key", () => "dev_" + RandomHex(24));
            configured = [DevApiKey];
        }
        ApiKeys = configured;
        _apiKeyBytes = [.. configured.Select(k => Encoding.UTF8.GetBytes(k))];
        PushKey = configuration["Media:PushKey"] is { Length: > 0 } push ? push : GetOrCreate(data, "push-key", () => RandomHex(16));
        PlayKey = configuration["Media:PlayKey"] is { Length: > 0 } play ? play : GetOrCreate(data, "play-key", () => RandomHex(16));
        var tokenKey = configuration["Auth:TokenSigningKey"] is { Length: > 0 } t ? t : GetOrCreate(data, "token-signing-key", () => RandomHex(32));
        TokenSigningKey = Encoding.UTF8.GetBytes(tokenKey);
    }

    public IReadOnlyList<string> ApiKeys { get; }

    /// <summary><see cref="ApiKeys"/> as UTF-8, encoded once (every request with the API key is compared against them).</summary>
    private readonly byte[][] _apiKeyBytes;

    /// <summary>Set when no API key is configured and the dev key (generated or reused) is in use.</summary>
    public string? DevApiKey { get; }

    public string PushKey { get; }
    public string PlayKey { get; }
    public byte[] TokenSigningKey { get; }

    /// <summary>Constant-time comparison against every configured key.</summary>
    public bool IsApiKey(string presented) => ApiKeyIndex(presented) >= 0;

    /// <summary>
    /// Position of <paramref name="presented"/> in <see cref="ApiKeys"/> (<c>Auth:ApiKeys:N</c> order), or -1: names the
    /// key (per-key rate limits) without carrying it. Compares against every key in constant time.
    /// </summary>
    public int ApiKeyIndex(ReadOnlySpan<char> presented)
    {
        var length = Encoding.UTF8.GetByteCount(presented);
        var bytes = length <= 256 ? stackalloc byte[length] : new byte[length];
        Encoding.UTF8.GetBytes(presented, bytes);
        var match = -1;
        for (var i = 0; i < _apiKeyBytes.Length; i++)
        {
            if (CryptographicOperations.FixedTimeEquals(bytes, _apiKeyBytes[i]))
                match = i;
        }
        return match;
    }

    private static string RandomHex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    private static string GetOrCreate(DataDirectory data, string name, Func<string> create)
    {
        var path = data.File(name);
        if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } existing)
            return existing;
        var value = create();
        return data.WritePrivateText(name, value + "\n") ? value : File.ReadAllText(path).Trim();
    }
}

using System.Reflection;

namespace CallService.OperatorConsole;

/// <summary>One file of the console: its name under <c>/console/</c>, its media type and its bytes.</summary>
internal sealed record ConsoleAsset(string Name, string ContentType, byte[] Content);

/// <summary>
/// The operator console's static files, embedded in the CallService assembly (<c>CallService.csproj</c>: the pages in
/// <c>OperatorConsole/wwwroot/</c> and the web-player sample's vendored mpegts.js, linked, so the repository holds one copy).
/// Only the names listed in the project are served; nothing is read from disk or fetched at run time.
/// </summary>
internal sealed class ConsoleAssets
{
    /// <summary>Logical names of the embedded resources start with this (set by <c>LogicalName</c> in the project).</summary>
    public const string ResourcePrefix = "OperatorConsole/";

    private readonly Dictionary<string, ConsoleAsset> _assets;

    public ConsoleAssets() : this(typeof(ConsoleAssets).Assembly)
    {
    }

    internal ConsoleAssets(Assembly assembly)
    {
        _assets = new Dictionary<string, ConsoleAsset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal)) continue;
            var name = resource[ResourcePrefix.Length..];
            if (ContentTypeOf(name) is not { } contentType) continue;
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            _assets[name] = new ConsoleAsset(name, contentType, copy.ToArray());
        }
    }

    /// <summary>The names served, e.g. <c>index.html</c>, <c>app.js</c>, <c>mpegts.js</c>.</summary>
    public IReadOnlyCollection<string> Names => _assets.Keys;

    public ConsoleAsset? Find(string name) => _assets.GetValueOrDefault(name);

    /// <summary>
    /// Media types by extension (RFC 9239 <c>text/javascript</c> for scripts, also required for ES modules);
    /// anything else is not served.
    /// </summary>
    public static string? ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".txt" => "text/plain; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => null,
    };
}

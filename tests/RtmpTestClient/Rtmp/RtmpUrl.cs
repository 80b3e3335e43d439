namespace RtmpTestClient.Rtmp;

/// <summary>
/// An <c>rtmp://host[:port]/app/stream[?query]</c> URL split the way FFmpeg and live-pusher do: the first path
/// segment is the application, the rest (with the query, which carries <c>txSecret</c>/<c>txTime</c>) is the
/// stream name sent in <c>publish</c>/<c>play</c>.
/// </summary>
public sealed record RtmpUrl(string Host, int Port, string App, string StreamName)
{
    /// <summary>The <c>tcUrl</c> sent in <c>connect</c>: <c>rtmp://host:port/app</c>.</summary>
    public string TcUrl => $"rtmp://{Host}:{Port}/{App}";

    /// <summary>Parses <paramref name="url"/>. Throws <see cref="FormatException"/> when it is not rtmp://host/app/stream.</summary>
    public static RtmpUrl Parse(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != "rtmp")
            throw new FormatException($"Not an rtmp:// URL: {url}");
        var path = uri.AbsolutePath.TrimStart('/');
        var slash = path.IndexOf('/');
        if (slash <= 0 || slash == path.Length - 1)
            throw new FormatException($"RTMP URL needs /app/stream: {url}");
        var port = uri.IsDefaultPort || uri.Port < 0 ? 1935 : uri.Port;
        return new RtmpUrl(uri.Host, port, path[..slash], path[(slash + 1)..] + uri.Query);
    }

    /// <inheritdoc />
    public override string ToString() => $"{TcUrl}/{StreamName}";
}

namespace CallLoad.Targets;

/// <summary>One published stream: where to push it and where to play it (RTMP, and HTTP-FLV when offered).</summary>
public sealed record StreamUrls(string PushUrl, string PlayUrl, string? PlayFlvUrl);

/// <summary>A 1:1 call's two streams: A's (played by B) and B's (played by A).</summary>
public sealed record CallUrls(string CallId, StreamUrls A, StreamUrls B);

/// <summary>A system under test: our CallService or nginx-rtmp.</summary>
public interface ITarget : IAsyncDisposable
{
    /// <summary>Short name used in reports: <c>callservice</c> or <c>nginx-rtmp</c>.</summary>
    string Name { get; }

    /// <summary>Server process to sample CPU/RSS from (null when attached to a process we don't know).</summary>
    int? ProcessId { get; }

    /// <summary>
    /// True when a viewer may start before its publisher (our relay holds it; nginx-rtmp with <c>idle_streams off</c>
    /// answers <c>StreamNotFound</c>). Scenarios start publishers first either way, so both are measured alike.
    /// </summary>
    bool HoldsEarlyViewers { get; }

    /// <summary>Allocates a call (for our service: a real call via <c>POST /v1/calls</c>).</summary>
    Task<CallUrls> CreateCallAsync(int index, CancellationToken cancellationToken);

    /// <summary>Ends a call (hang-up); a no-op where calls do not exist.</summary>
    Task EndCallAsync(CallUrls call, CancellationToken cancellationToken);
}

/// <summary>Refuses anything that is not a loopback address: load is only ever generated against this machine.</summary>
public static class Loopback
{
    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="url"/>'s host is loopback.</summary>
    public static string Require(string url)
    {
        var uri = new Uri(url);
        var host = uri.IdnHost.Trim('[', ']');
        var ok = host == "localhost" || (System.Net.IPAddress.TryParse(host, out var ip) && System.Net.IPAddress.IsLoopback(ip));
        return ok ? url : throw new ArgumentException($"Only loopback targets are allowed, not {uri.Host}.", nameof(url));
    }
}

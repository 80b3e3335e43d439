using CallContracts.Streams;
using CallMedia.Access;
using CallMedia.Hosting;
using CallService.Auth;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace CallService.Media;

/// <summary>A party's signed URLs: its own push URL and the peer's play URLs.</summary>
internal sealed record PartyUrls(string PushUrl, string PlayUrl, string PlayFlvUrl);

/// <summary>
/// Builds signed URLs. The public bases are resolved lazily (first call creation), because the relay and
/// Kestrel may bind port 0: <c>Media:PublicRtmpBaseUrl</c>, else <c>rtmp://127.0.0.1:{bound port}/{app}</c>
/// from <see cref="IRelayEndpoints"/> (or <c>Media:Rtmp:Port</c> when no relay is registered);
/// <c>Media:PublicFlvBaseUrl</c>, else the relay process's HTTP-FLV endpoint (<c>Media:Mode=process</c>), else the first
/// HTTP address the server listens on + <c>/{app}</c>. The application
/// is the relay's <see cref="MediaOptions.App"/> (<c>Media:App</c>, default <c>live</c>), the one source for both.
/// </summary>
internal sealed class PublicMediaUrls(IServiceProvider services, IConfiguration configuration, ServiceSecrets secrets)
{
    private string? _rtmpBase;
    private string? _flvBase;
    private string? _serverBase;

    /// <summary>The relay's application: RTMP app and HTTP-FLV path segment.</summary>
    private string App => services.GetService<IOptions<MediaOptions>>()?.Value.App ?? new MediaOptions().App;

    public PartyUrls For(string callId, PartyRole role, DateTimeOffset expiresAt) => For(callId, role, expiresAt, RtmpBase, FlvBase);

    /// <summary>A party's URLs on the relay of another node (its registered public bases): a call placed there.</summary>
    public PartyUrls For(string callId, PartyRole role, DateTimeOffset expiresAt, string rtmpBase, string flvBase)
    {
        var own = StreamNames.For(callId, role);
        var peer = StreamNames.For(callId, StreamNames.Peer(role));
        var playQuery = TxSecret.Query(secrets.PlayKey, peer, expiresAt);
        return new PartyUrls(
            $"{rtmpBase}/{own}?{TxSecret.Query(secrets.PushKey, own, expiresAt)}",
            $"{rtmpBase}/{peer}?{playQuery}",
            $"{flvBase}/{peer}.flv?{playQuery}");
    }

    /// <summary>Both bases are final (resolved once and for all), so URLs built from them can be kept.</summary>
    public bool BasesResolved => _rtmpBase is not null && _flvBase is not null;

    public string RtmpBase
    {
        get
        {
            if (_rtmpBase is { } known) return known;
            var value = ResolveRtmpBase(out var final);
            if (final) _rtmpBase = value;
            return value;
        }
    }

    public string FlvBase
    {
        get
        {
            if (_flvBase is { } known) return known;
            var value = ResolveFlvBase(out var final);
            if (final) _flvBase = value;
            return value;
        }
    }

    private string ResolveRtmpBase(out bool final)
    {
        final = true;
        if (configuration["Media:PublicRtmpBaseUrl"] is { Length: > 0 } configured) return configured.TrimEnd('/');
        if (services.GetService<IRelayEndpoints>() is { } relay)
        {
            try
            {
                var endPoint = relay.RtmpEndPoint;
                var host = endPoint.Address.Equals(System.Net.IPAddress.Any) || endPoint.Address.Equals(System.Net.IPAddress.IPv6Any)
                    ? "127.0.0.1" : endPoint.Address.ToString();
                return $"rtmp://{host}:{endPoint.Port}/{App}";
            }
            catch (InvalidOperationException)
            {
                final = false; // relay not started yet: answer from configuration, ask again next time
            }
        }
        var port = configuration["Media:Rtmp:Port"] is { Length: > 0 } p ? p : "1935";
        return $"rtmp://127.0.0.1:{port}/{App}";
    }

    private string ResolveFlvBase(out bool final)
    {
        final = true;
        if (configuration["Media:PublicFlvBaseUrl"] is { Length: > 0 } configured) return configured.TrimEnd('/');
        if (services.GetService<ProcessMode.RelayProcess>() is { } process)
        {
            // a relay process serves HTTP-FLV on its own port
            if (process.FlvEndPoint is not { } endPoint)
            {
                final = false;
                return $"http://127.0.0.1:8080/{App}";
            }
            var host = endPoint.Address.Equals(System.Net.IPAddress.Any) || endPoint.Address.Equals(System.Net.IPAddress.IPv6Any)
                ? "127.0.0.1" : endPoint.Address.ToString();
            return $"http://{host}:{endPoint.Port}/{App}";
        }
        return $"{ServerBase(out final)}/{App}";
    }

    /// <summary>True once <see cref="ServerBase"/> is kept for good: the host had started when it was resolved.</summary>
    public bool ServerBaseKept => _serverBase is not null;

    /// <summary>
    /// <c>{scheme}://{host}:{port}</c> of the first HTTP address the server listens on (wildcards → 127.0.0.1);
    /// <paramref name="final"/> is false while the server has not bound yet (then <c>http://127.0.0.1:8080</c>).
    /// </summary>
    public string ServerBase(out bool final)
    {
        if (_serverBase is { } known)
        {
            final = true;
            return known;
        }
        var value = ResolveServerBase(out final);
        // Resolved once the host has started (the addresses are then the bound ones, not e.g. a configured port 0),
        // not again for every call view.
        if (final && services.GetService<IHostApplicationLifetime>()?.ApplicationStarted.IsCancellationRequested == true)
            _serverBase = value;
        return value;
    }

    private string ResolveServerBase(out bool final)
    {
        final = true;
        var addresses = services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses;
        var address = addresses?.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
                      ?? addresses?.FirstOrDefault();
        if (address is null)
        {
            final = false;
            return "http://127.0.0.1:8080";
        }
        var uri = new UriBuilder(address.Replace("://+", "://127.0.0.1").Replace("://*", "://127.0.0.1"));
        if (uri.Host is "0.0.0.0" or "[::]" or "::") uri.Host = "127.0.0.1";
        return $"{uri.Scheme}://{uri.Host}:{uri.Port}";
    }
}

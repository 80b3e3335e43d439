namespace CallService.WebRtc;

/// <summary>
/// <c>WebRtc</c> section: browser parties over WHIP/WHEP (RFC 9725), bridged by one GStreamer webrtcbin gateway
/// process per session (docs/webrtc.md).
/// </summary>
internal sealed class WebRtcOptions
{
    public const string SectionName = "WebRtc";

    /// <summary>False turns WHIP/WHEP off (503) and hides <c>webrtc</c> from the party views.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// STUN/TURN servers handed to browsers in <c>Link: rel="ice-server"</c> headers (RFC 9725 §4.6) and used by the
    /// gateway itself (its first <c>stun:</c> URL; every <c>turn:</c>/<c>turns:</c> URL with the credentials).
    /// </summary>
    public List<IceServer> IceServers { get; set; } = [];

    /// <summary>
    /// The address browsers reach this host at when it sits behind a 1:1 NAT (a cloud VM's public IP): every host
    /// candidate of the gateway is also announced with it, same port. Empty: announce the local addresses only.
    /// </summary>
    public string? PublicIp { get; set; }

    /// <summary>Local addresses to gather ICE candidates on (empty: every non-loopback interface, libnice's default).</summary>
    public List<string> LocalAddresses { get; set; } = [];

    /// <summary>Lowest local UDP port of the gateways' ICE candidates (0: any). Open this range in the firewall.</summary>
    public int PortMin { get; set; }

    /// <summary>Highest local UDP port of the gateways' ICE candidates (0: any).</summary>
    public int PortMax { get; set; }

    /// <summary>Concurrent gateway sessions (each browser party uses two: WHIP + WHEP); beyond → 503.</summary>
    public int MaxSessions { get; set; } = 20;

    /// <summary>WHIP: seconds without media from the browser before the gateway leaves (the relay then sees the
    /// publisher go, and the call's publisher-lost grace starts).</summary>
    public int IdleTimeoutSeconds { get; set; } = 10;

    /// <summary>How long a request waits for the gateway's answer (ICE gathering included), seconds.</summary>
    public int AnswerTimeoutSeconds { get; set; } = 15;

    /// <summary>The Python 3 with PyGObject (Debian's <c>python3-gi</c>): the system one, not a virtualenv's.</summary>
    public string Python { get; set; } = "/usr/bin/python3";

    /// <summary>The gateway script; default: <c>WebRtc/Gateway/webrtc_gateway.py</c> beside the service's binaries.</summary>
    public string? GatewayScript { get; set; }

    /// <summary>Absolute base of the WHIP/WHEP URLs in the party views (e.g. <c>https://calls.example.com</c>);
    /// default: the first HTTP address the service listens on.</summary>
    public string? PublicBaseUrl { get; set; }

    public string ResolvedGatewayScript =>
        GatewayScript is { Length: > 0 } s ? s : Path.Combine(AppContext.BaseDirectory, "WebRtc", "Gateway", "webrtc_gateway.py");
}

/// <summary>One ICE server (the fields of WebRTC's <c>RTCIceServer</c>).</summary>
internal sealed class IceServer
{
    /// <summary><c>stun:host:port</c>, <c>turn:host:port?transport=udp</c>, <c>turns:host:port</c>.</summary>
    public List<string> Urls { get; set; } = [];

    /// <summary>TURN user name.</summary>
    public string? Username { get; set; }

    /// <summary>TURN password (long-term credential, RFC 8489 §9.2).</summary>
    public string? Credential { get; set; }
}

using System.Security.Cryptography;
using CallContracts.Streams;
using CallService.Calls.Live;
using Microsoft.Extensions.Options;

namespace CallService.WebRtc.Sessions;

/// <summary>One live WHIP or WHEP session: whose it is and its gateway.</summary>
internal sealed record WebRtcSession(string Id, string CallId, PartyRole Role, GatewayDirection Direction, GatewayProcess Gateway);

/// <summary>
/// The live gateway sessions: at most <see cref="WebRtcOptions.MaxSessions"/>, one per party and direction (a new WHIP
/// from the same party replaces the old one, as a reconnecting RTMP publisher takes over its stream), each removed when
/// its gateway exits, all stopped when the service stops.
/// </summary>
internal sealed class WebRtcSessions : IHostedService, IDisposable
{
    private readonly IOptions<WebRtcOptions> _options;
    private readonly LiveCalls _calls;
    private readonly TimeProvider _time;
    private readonly WebRtcMetrics _metrics;

    public WebRtcSessions(IOptions<WebRtcOptions> options, LiveCalls calls, TimeProvider time, System.Diagnostics.Metrics.IMeterFactory meters)
    {
        _options = options;
        _calls = calls;
        _time = time;
        _metrics = new WebRtcMetrics(meters, Snapshot);
    }

    /// <summary>How often sessions of ended calls are swept (the relay's kick normally ends them first).</summary>
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(5);

    private ITimer? _sweep;
    private readonly Dictionary<string, WebRtcSession> _byId = [];
    private readonly Lock _lock = new();

    public int Count { get { lock (_lock) return _byId.Count; } }

    /// <summary>A new unguessable session id (the <c>Location</c>'s last segment).</summary>
    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>
    /// Starts a gateway through <paramref name="start"/> if there is room (counting the session it replaces as free);
    /// null when <see cref="WebRtcOptions.MaxSessions"/> are live.
    /// </summary>
    public WebRtcSession? TryStart(string callId, PartyRole role, GatewayDirection direction, Func<string, GatewayProcess> start)
    {
        WebRtcSession session;
        WebRtcSession? replaced;
        lock (_lock)
        {
            replaced = _byId.Values.FirstOrDefault(s => s.CallId == callId && s.Role == role && s.Direction == direction);
            if (_byId.Count - (replaced is null ? 0 : 1) >= _options.Value.MaxSessions)
            {
                _metrics.Refused();
                return null;
            }
            if (replaced is not null) _byId.Remove(replaced.Id);
            var id = NewId();
            session = new WebRtcSession(id, callId, role, direction, start(id));
            _byId.Add(id, session);
        }
        replaced?.Gateway.Stop();
        _metrics.Started(direction);
        session.Gateway.Exited.ContinueWith(_ => Remove(session), TaskScheduler.Default);
        return session;
    }

    /// <summary>Stops the session if it is this party's of this call; false when there is no such session.</summary>
    public bool Stop(string callId, PartyRole role, string sessionId)
    {
        WebRtcSession? session;
        lock (_lock)
        {
            if (!_byId.TryGetValue(sessionId, out session) || session.CallId != callId || session.Role != role) return false;
            _byId.Remove(sessionId);
        }
        session.Gateway.Stop();
        return true;
    }

    /// <summary>Stops every session of a call (the call ended).</summary>
    public void StopCall(string callId)
    {
        List<WebRtcSession> ended;
        lock (_lock)
        {
            ended = _byId.Values.Where(s => s.CallId == callId).ToList();
            foreach (var s in ended) _byId.Remove(s.Id);
        }
        foreach (var s in ended) s.Gateway.Stop();
    }

    private void Remove(WebRtcSession session)
    {
        lock (_lock)
        {
            if (_byId.TryGetValue(session.Id, out var current) && ReferenceEquals(current, session)) _byId.Remove(session.Id);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _sweep = _time.CreateTimer(_ => SweepEndedCalls(), null, SweepInterval, SweepInterval);
        return Task.CompletedTask;
    }

    /// <summary>
    /// A safety net behind the relay: ending a call kicks the gateways' RTMP connections, which ends them; a gateway
    /// that missed it (e.g. still negotiating) is stopped here once its call is ended or gone.
    /// </summary>
    public void SweepEndedCalls()
    {
        List<string> callIds;
        lock (_lock) callIds = _byId.Values.Select(s => s.CallId).Distinct().ToList();
        foreach (var callId in callIds)
            if (_calls.TryGet(callId) is not { } entry || entry.Call.IsEnded)
                StopCall(callId);
    }

    private List<WebRtcSession> Snapshot()
    {
        lock (_lock) return [.. _byId.Values];
    }

    public void Dispose()
    {
        _sweep?.Dispose();
        _metrics.Dispose();
    }

    /// <summary>Service shutdown: no gateway outlives the service (they would also notice within a second).</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        _sweep?.Dispose();
        List<WebRtcSession> all;
        lock (_lock)
        {
            all = [.. _byId.Values];
            _byId.Clear();
        }
        foreach (var s in all) s.Gateway.Stop();
        return Task.CompletedTask;
    }
}

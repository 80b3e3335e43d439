using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using CallMedia.Access;
using CallMedia.Hosting;
using CallMedia.Relay;
using CallMedia.Media;
using CallMedia.Rtmp.Io;
using CallMedia.Rtmp.Session;
using CallMedia.Stats;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CallMedia.Rtmp;

/// <summary>
/// The RTMP TCP listener, run as a hosted service inside the ASP.NET Core host. Binds in
/// <see cref="StartAsync"/> (so <see cref="RtmpEndPoint"/> is known once the host started), accepts
/// connections (TCP_NODELAY, capped by <c>Media:MaxConnections</c>) and runs one <see cref="RtmpSession"/>
/// each, read through .NET's socket engine or the relay's own epoll loops (<c>Media:Rtmp:IoLoop</c>); also runs the
/// hub's periodic upkeep.
/// </summary>
internal sealed partial class RtmpListener(
    StreamHub hub, IStreamAccessPolicy policy, ILoggerFactory loggerFactory, RelayMetrics? metrics = null)
    : IHostedService, IRelayEndpoints, IAsyncDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<RtmpListener>();
    private readonly ConcurrentDictionary<long, Task> _sessions = new();
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listenSocket;
    private IPEndPoint? _endPoint;
    private Task? _acceptLoop;
    private Task? _upkeepLoop;
    private int _connections;
    private ILogger? _sessionLogger;
    private EpollLoops? _loops;

    private ILogger SessionLogger => _sessionLogger ??= loggerFactory.CreateLogger<RtmpSession>();

    public IPEndPoint RtmpEndPoint => _endPoint ?? throw new InvalidOperationException("The RTMP listener has not started yet.");

    /// <inheritdoc />
    public bool RtmpListening => _listenSocket is { IsBound: true } && _acceptLoop is { IsCompleted: false } && !_stopping.IsCancellationRequested;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var options = hub.Options.Rtmp;
        var address = IPAddress.Parse(options.ListenAddress);
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        // No ReuseAddress: on Linux .NET maps it to SO_REUSEPORT as well, which let a second process bind the same RTMP
        // port and take half of the connections. Rebinding over TIME_WAIT needs nothing: .NET sets SO_REUSEADDR itself.
        try
        {
            socket.Bind(new IPEndPoint(address, options.Port));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            throw new IOException($"Failed to bind the RTMP listener to {address}:{options.Port}: address already in use (Media:Rtmp:Port).", e);
        }
        socket.Listen(512);
        if (options.IoLoop == RtmpIoLoop.Epoll)
        {
            if (EpollNative.IsSupported)
                _loops = new EpollLoops(options.IoLoopThreads);
            else
                LogEpollUnsupported(_logger);
        }
        _listenSocket = socket;
        _endPoint = (IPEndPoint)socket.LocalEndPoint!;
        LogListening(_logger, _endPoint, _loops is null ? "socket engine" : $"{_loops.Count} epoll loop(s)");
        _acceptLoop = AcceptLoopAsync(socket);
        _upkeepLoop = UpkeepLoopAsync();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        _listenSocket?.Dispose();
        var all = _sessions.Values.ToList();
        if (_acceptLoop is not null) all.Add(_acceptLoop);
        if (_upkeepLoop is not null) all.Add(_upkeepLoop);
        try
        {
            await Task.WhenAll(all).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _loops?.Dispose();
        }
    }

    private async Task AcceptLoopAsync(Socket listenSocket)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listenSocket.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                LogAcceptFailed(_logger, ex.SocketErrorCode);
                continue;
            }
            if (Interlocked.Increment(ref _connections) > hub.Options.MaxConnections)
            {
                Interlocked.Decrement(ref _connections);
                LogTooManyConnections(_logger, client.RemoteEndPoint, hub.Options.MaxConnections);
                client.Dispose();
                continue;
            }
            client.NoDelay = true;
            if (hub.Options.ViewerSendBufferBytes > 0)
                client.SendBufferSize = hub.Options.ViewerSendBufferBytes;
            SocketReadiness? readiness = null;
            try
            {
                readiness = _loops?.Register(client);
            }
            catch (IOException ex)
            {
                LogEpollRegisterFailed(_logger, ex.Message); // read through the socket engine instead
            }
            var session = new RtmpSession(client, hub, policy, SessionLogger, _stopping.Token, readiness);
            _sessions[session.SessionId] = RunSessionAsync(session);
        }
    }

    private async Task RunSessionAsync(RtmpSession session)
    {
        await Task.Yield();
        hub.Traffic.Opened(session);
        try
        {
            await session.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            hub.Traffic.Closed(session);
            Interlocked.Decrement(ref _connections);
            _sessions.TryRemove(session.SessionId, out _);
        }
    }

    private async Task UpkeepLoopAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                hub.Sweep();
                metrics?.SampleQueueDelays(hub.Time.GetMilliseconds());
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Idempotent: the container may dispose the instance once per registration that exposes it.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _stopping.Cancel();
            _listenSocket?.Dispose();
            _loops?.Dispose();
        }
        return ValueTask.CompletedTask;
    }

    private int _disposed;

    [LoggerMessage(Level = LogLevel.Information, Message = "RTMP relay listening on {EndPoint} ({Reader})")]
    private static partial void LogListening(ILogger logger, IPEndPoint endPoint, string reader);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Media:Rtmp:IoLoop=Epoll needs Linux on a 64-bit process: RTMP connections are read through .NET's socket engine")]
    private static partial void LogEpollUnsupported(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RTMP connection not registered with the epoll loop ({Detail}): read through .NET's socket engine")]
    private static partial void LogEpollRegisterFailed(ILogger logger, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RTMP accept failed: {Error}")]
    private static partial void LogAcceptFailed(ILogger logger, SocketError error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RTMP connection from {Remote} refused: more than {Max} connections")]
    private static partial void LogTooManyConnections(ILogger logger, EndPoint? remote, int max);
}

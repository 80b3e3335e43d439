using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using CallMedia.Access;
using CallMedia.Events;
using CallMedia.Hosting;
using CallMedia.Hosting.ControlLink;

namespace CallService.Media.ProcessMode;

/// <summary>
/// The relay as a child process (<c>Media:Mode=process</c>). At start it listens on a Unix domain socket in a fresh
/// owner-only temp directory, starts the relay (<see cref="RelayLaunch"/>), accepts its one connection and waits for
/// its <see cref="ControlKind.Ready"/> (bound RTMP and HTTP-FLV endpoints) — the host's start fails when that does not
/// come within <see cref="StartTimeout"/>. Then it answers the relay's access requests with this service's
/// <see cref="IStreamAccessPolicy"/>, hands its media events to every <see cref="IMediaEventSink"/>, in order, and its
/// metrics to <see cref="RelayMetricsMirror"/>. A relay that dies is started again (<c>RelayProcess.Supervision.cs</c>).
/// Closing the channel ends the relay (it exits on end of stream), so a killed coordinator leaves no relay behind.
/// </summary>
internal sealed partial class RelayProcess : IHostedService, IRelayEndpoints, IAsyncDisposable
{
    /// <summary>How long the relay may take to connect and report ready.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly IConfiguration _configuration;
    private readonly IServiceProvider _services;
    private readonly RelayMetricsMirror _metrics;
    private readonly ILogger<RelayProcess> _logger;
    private readonly RelayLiveStreams _live = new();
    private readonly CancellationTokenSource _stopping = new();
    private volatile RelayGeneration? _current;
    private DirectoryInfo? _socketDirectory;
    private IPEndPoint? _rtmp;
    private Task _supervision = Task.CompletedTask;
    private long _restarts;

    public RelayProcess(IConfiguration configuration, IServiceProvider services, RelayMetricsMirror metrics,
        IMeterFactory meters, ILogger<RelayProcess> logger)
    {
        _configuration = configuration;
        _services = services;
        _metrics = metrics;
        _logger = logger;
        Restart = RelayRestartOptions.From(configuration);
        meters.Create("CallService.Media").CreateObservableCounter("relay.restarts", () => Interlocked.Read(ref _restarts),
            "{restart}", "Times the relay process died and was started again (Media:Mode=process).");
    }

    /// <summary>The back-off of restarts.</summary>
    public RelayRestartOptions Restart { get; }

    /// <summary>The open control channel; null before the relay connected, and while it is down.</summary>
    public ControlChannel? Channel => _current?.Channel is { IsOpen: true } open ? open : null;

    /// <summary>The relay's bound HTTP-FLV endpoint (from its first ready message; restarts keep it); null before.</summary>
    public IPEndPoint? FlvEndPoint { get; private set; }

    /// <summary>The current relay process's id, for measurements and tests; null before it started.</summary>
    public int? ProcessId => _current?.Process.Id;

    /// <summary>Times the relay died and was started again.</summary>
    public long Restarts => Interlocked.Read(ref _restarts);

    /// <inheritdoc />
    public IPEndPoint RtmpEndPoint => _rtmp ?? throw new InvalidOperationException("The relay process has not reported ready yet.");

    /// <inheritdoc />
    public bool RtmpListening => _current is { Serving: true };

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _socketDirectory = Directory.CreateTempSubdirectory("callmedia-relay-"); // 0700
        var first = await LaunchAsync(overrides: null, cancellationToken);
        _supervision = Task.Run(() => SuperviseAsync(first, _stopping.Token), CancellationToken.None);
    }

    /// <summary>Starts a relay process and waits for its ready message; it becomes the current one.</summary>
    /// <exception cref="InvalidOperationException">It exited or did not report ready within <see cref="StartTimeout"/>.</exception>
    private async Task<RelayGeneration> LaunchAsync(IReadOnlyDictionary<string, string>? overrides, CancellationToken cancellationToken)
    {
        var socketPath = Path.Combine(_socketDirectory!.FullName, "control.sock");
        File.Delete(socketPath);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(1);
        var startInfo = RelayLaunch.StartInfo(_configuration, socketPath, overrides);
        var process = Process.Start(startInfo) ?? throw new InvalidOperationException("The relay process did not start.");
        process.EnableRaisingEvents = true;
        var generation = new RelayGeneration(process);
        LogStarted(startInfo.FileName, process.Id);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, ExitOf(process));
        timeout.CancelAfter(StartTimeout);
        try
        {
            var accepted = await listener.AcceptAsync(timeout.Token);
            generation.Channel = new ControlChannel(new NetworkStream(accepted, ownsSocket: true), AnswerAsync,
                message => OnMessage(generation, message), _logger);
            generation.Channel.Start();
            await generation.Ready.WaitAsync(timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            await StopGenerationAsync(generation);
            var reason = process.HasExited
                ? $"The relay process exited ({generation.DescribeExit()}) before it was ready."
                : $"The relay process did not report ready within {StartTimeout.TotalSeconds:0} s.";
            generation.Dispose();
            throw new InvalidOperationException(reason, e);
        }
        catch (OperationCanceledException)
        {
            await StopGenerationAsync(generation);
            generation.Dispose();
            throw;
        }
        finally
        {
            File.Delete(socketPath); // one relay, one connection: nobody else may connect
        }
        _rtmp = generation.Rtmp;
        FlvEndPoint = generation.Flv;
        _current = generation;
        return generation;
    }

    /// <summary>A token that is cancelled when <paramref name="process"/> exits (so a relay that fails to start fails fast).</summary>
    private static CancellationToken ExitOf(Process process)
    {
        var exited = new CancellationTokenSource();
        process.Exited += (_, _) => exited.Cancel();
        if (process.HasExited) exited.Cancel();
        return exited.Token;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync(); // a relay that ends from now on is not restarted
        if (_current is { } current) await StopGenerationAsync(current, cancellationToken);
        try
        {
            await _supervision.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
        }
        try
        {
            _socketDirectory?.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Closes the generation's channel (the relay exits on end of stream), killing it after 8 s.</summary>
    private static async Task StopGenerationAsync(RelayGeneration generation, CancellationToken cancellationToken = default)
    {
        if (generation.Channel is { } channel) await channel.DisposeAsync();
        if (generation.Process.HasExited) return;
        using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        grace.CancelAfter(TimeSpan.FromSeconds(8));
        try
        {
            await generation.Process.WaitForExitAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
            generation.Process.Kill(entireProcessTree: true);
        }
    }

    private async ValueTask<ControlMessage> AnswerAsync(ControlMessage request, CancellationToken cancellationToken)
    {
        if (request is not { Kind: ControlKind.Access, Access: { } access })
            return new ControlMessage { Error = $"unknown request {request.Kind}" };
        var decision = await _services.GetRequiredService<IStreamAccessPolicy>()
            .AuthorizeAsync(MediaEventMapping.FromData(access), cancellationToken);
        return new ControlMessage { Allowed = decision.Allowed, Error = decision.Allowed ? null : decision.Reason };
    }

    private void OnMessage(RelayGeneration generation, ControlMessage message)
    {
        switch (message)
        {
            case { Kind: ControlKind.Event, Event: { } data }:
                if (MediaEventMapping.FromData(data) is not { } mediaEvent) return;
                _live.Observe(mediaEvent);
                Dispatch(mediaEvent);
                return;
            case { Kind: ControlKind.Metrics, Metrics: { } metrics }:
                _metrics.Apply(metrics);
                return;
            case { Kind: ControlKind.Ready }:
                generation.OnReady(message);
                LogReady(message.RtmpEndPoint, message.FlvEndPoint);
                return;
        }
    }

    private void Dispatch(MediaEvent mediaEvent)
    {
        foreach (var sink in _services.GetServices<IMediaEventSink>())
            sink.OnMediaEvent(mediaEvent);
    }

    public async ValueTask DisposeAsync()
    {
        if (_current is { Process.HasExited: false }) await StopAsync(CancellationToken.None);
        _current?.Dispose();
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Relay process {File} started (pid {Pid})")]
    private partial void LogStarted(string file, int pid);

    [LoggerMessage(Level = LogLevel.Information, Message = "Relay process ready: RTMP {Rtmp}, HTTP-FLV {Flv}")]
    private partial void LogReady(string? rtmp, string? flv);
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CallMedia.Access;
using CallMedia.Events;
using CallMedia.Hosting;
using CallMedia.Hosting.ControlLink;
using CallMedia.Logging;

namespace CallService.Media.ProcessMode;

/// <summary>
/// The relay as a child process (<c>Media:Mode=process</c>). At start it listens on a Unix domain socket in a fresh
/// owner-only temp directory, starts the relay (<see cref="RelayLaunch"/>), accepts its one connection and waits for
/// its <see cref="ControlKind.Ready"/> (bound RTMP and HTTP-FLV endpoints) — the host's start fails when that does not
/// come within <see cref="StartTimeout"/>. Then it answers the relay's access requests with this service's
/// <see cref="IStreamAccessPolicy"/> and hands its media events to every <see cref="IMediaEventSink"/>, in order.
/// Closing the channel ends the relay (it exits on end of stream), so a killed coordinator leaves no relay behind.
/// </summary>
internal sealed partial class RelayProcess(IConfiguration configuration, IServiceProvider services, ILogger<RelayProcess> logger)
    : IHostedService, IRelayEndpoints, IAsyncDisposable
{
    /// <summary>How long the relay may take to connect and report ready.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Process? _process;
    private ControlChannel? _channel;
    private DirectoryInfo? _socketDirectory;
    private IPEndPoint? _rtmp;

    /// <summary>The open control channel; null before the relay connected or after it closed.</summary>
    public ControlChannel? Channel => _channel is { IsOpen: true } open ? open : null;

    /// <summary>The relay's bound HTTP-FLV endpoint (from its ready message); null before.</summary>
    public IPEndPoint? FlvEndPoint { get; private set; }

    /// <summary>The relay process's id, for measurements; null before it started.</summary>
    public int? ProcessId => _process?.Id;

    /// <inheritdoc />
    public IPEndPoint RtmpEndPoint => _rtmp ?? throw new InvalidOperationException("The relay process has not reported ready yet.");

    /// <inheritdoc />
    public bool RtmpListening => _rtmp is not null && _channel is { IsOpen: true } && _process is { HasExited: false };

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _socketDirectory = Directory.CreateTempSubdirectory("callmedia-relay-"); // 0700
        var socketPath = Path.Combine(_socketDirectory.FullName, "control.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(1);
        var startInfo = RelayLaunch.StartInfo(configuration, socketPath);
        _process = Process.Start(startInfo) ?? throw new InvalidOperationException("The relay process did not start.");
        _process.EnableRaisingEvents = true;
        _process.Exited += (_, _) => LogExited(_process.ExitCode);
        LogStarted(startInfo.FileName, _process.Id);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, ExitOf(_process));
        timeout.CancelAfter(StartTimeout);
        try
        {
            var accepted = await listener.AcceptAsync(timeout.Token);
            _channel = new ControlChannel(new NetworkStream(accepted, ownsSocket: true), AnswerAsync, OnMessage, logger);
            _channel.Start();
            await _ready.Task.WaitAsync(timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            await StopAsync(CancellationToken.None);
            throw new InvalidOperationException(_process.HasExited
                ? $"The relay process exited with {_process.ExitCode} before it was ready."
                : $"The relay process did not report ready within {StartTimeout.TotalSeconds:0} s.", e);
        }
        finally
        {
            File.Delete(socketPath); // one relay, one connection: nobody else may connect
        }
        _ = _channel.Completion.ContinueWith(_ => LogChannelClosed(), TaskScheduler.Default);
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
        if (_channel is { } channel) await channel.DisposeAsync(); // the relay exits on end of stream
        if (_process is { HasExited: false } process)
        {
            using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            grace.CancelAfter(TimeSpan.FromSeconds(8));
            try
            {
                await process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        try
        {
            _socketDirectory?.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async ValueTask<ControlMessage> AnswerAsync(ControlMessage request, CancellationToken cancellationToken)
    {
        if (request is not { Kind: ControlKind.Access, Access: { } access })
            return new ControlMessage { Error = $"unknown request {request.Kind}" };
        var decision = await services.GetRequiredService<IStreamAccessPolicy>()
            .AuthorizeAsync(MediaEventMapping.FromData(access), cancellationToken);
        return new ControlMessage { Allowed = decision.Allowed, Error = decision.Allowed ? null : decision.Reason };
    }

    private void OnMessage(ControlMessage message)
    {
        switch (message)
        {
            case { Kind: ControlKind.Event, Event: { } data }:
                if (MediaEventMapping.FromData(data) is not { } mediaEvent) return;
                foreach (var sink in services.GetServices<IMediaEventSink>())
                    sink.OnMediaEvent(mediaEvent);
                return;
            case { Kind: ControlKind.Ready }:
                FlvEndPoint = MediaEventMapping.ParseEndPoint(message.FlvEndPoint);
                _rtmp = MediaEventMapping.ParseEndPoint(message.RtmpEndPoint);
                LogReady(message.RtmpEndPoint, message.FlvEndPoint);
                _ready.TrySetResult();
                return;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false }) await StopAsync(CancellationToken.None);
        _process?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Relay process {File} started (pid {Pid})")]
    private partial void LogStarted(string file, int pid);

    [LoggerMessage(Level = LogLevel.Information, Message = "Relay process ready: RTMP {Rtmp}, HTTP-FLV {Flv}")]
    private partial void LogReady(string? rtmp, string? flv);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Relay process exited with {ExitCode}")]
    private partial void LogExited(int exitCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Relay control channel closed: the relay is gone until this service restarts")]
    private partial void LogChannelClosed();
}

using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using CallMedia.Control;
using CallMedia.Hosting;
using CallMedia.Hosting.ControlLink;

namespace CallMedia.RelayProcess;

/// <summary>
/// The relay's end of the control channel (<see cref="ControlChannel"/> over the coordinator's Unix domain socket):
/// reports <see cref="ControlKind.Ready"/> with the bound endpoints, asks the coordinator for access decisions,
/// forwards media events, sends the relay's metrics every <c>Media:MetricsIntervalMs</c> (default 1000; 0: never), and
/// carries out the coordinator's commands on <see cref="IRelayControl"/>, <see cref="IRelayRecorder"/> and
/// <see cref="IRelayStats"/>. The link owns its one channel, made when it connects.
/// </summary>
public sealed class CoordinatorLink
{
    /// <summary>Default of <c>Media:MetricsIntervalMs</c>.</summary>
    public const int DefaultMetricsIntervalMs = 1000;

    private readonly DeferredLogger _logger = new();
    private IServiceProvider? _services;
    private MeterSnapshotReader? _metrics;

    // Commands run one at a time in the order they came: the coordinator does not wait for one answer before it sends
    // the next command, and a recording's stop must not overtake its start.
    private CoordinatorLink(Stream stream) => Channel = new ControlChannel(stream, AnswerAsync, _ => { }, _logger, orderedRequests: true);

    /// <summary>Completes when the channel has closed (the coordinator is gone).</summary>
    public Task Closed => Channel.Completion;

    /// <summary>The channel (messages posted before <see cref="Start"/> wait in its queue).</summary>
    public ControlChannel Channel { get; }

    /// <summary>Connects to the coordinator's socket at <paramref name="socketPath"/>.</summary>
    public static async Task<CoordinatorLink> ConnectAsync(string socketPath)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), timeout.Token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new CoordinatorLink(new NetworkStream(socket, ownsSocket: true));
    }

    /// <summary>
    /// Starts reading commands (they run on the relay's <paramref name="services"/>) and reading the relay's meters;
    /// protocol faults are logged to <paramref name="logger"/>.
    /// </summary>
    public void Start(IServiceProvider services, ILogger logger)
    {
        _services = services;
        _logger.Target = logger;
        // The recorder's meter (CallService.Recording) exists from the start, not from the first recording command.
        services.GetRequiredService<IRelayRecorder>();
        var intervalMs = int.TryParse(services.GetRequiredService<IConfiguration>()["Media:MetricsIntervalMs"], out var ms)
            ? ms : DefaultMetricsIntervalMs;
        if (intervalMs > 0)
        {
            _metrics = new MeterSnapshotReader(services.GetRequiredService<IMeterFactory>());
            _ = SendMetricsAsync(_metrics, TimeSpan.FromMilliseconds(intervalMs));
        }
        Channel.Start();
    }

    /// <summary>Tells the coordinator where the relay listens, followed by the first metrics.</summary>
    public void ReportReady(IPEndPoint rtmp, Uri? flv)
    {
        Channel.Post(new ControlMessage
        {
            Kind = ControlKind.Ready,
            RtmpEndPoint = rtmp.ToString(),
            FlvEndPoint = flv is null ? null : $"{flv.Host}:{flv.Port}",
        });
        if (_metrics is { } metrics) PostMetrics(metrics);
    }

    private async Task SendMetricsAsync(MeterSnapshotReader metrics, TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync().ConfigureAwait(false) && Channel.IsOpen)
                PostMetrics(metrics);
        }
        finally
        {
            metrics.Dispose();
        }
    }

    private void PostMetrics(MeterSnapshotReader metrics)
    {
        try
        {
            Channel.Post(new ControlMessage { Kind = ControlKind.Metrics, Metrics = metrics.Read() });
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or System.Text.Json.JsonException)
        {
            _logger.LogError(e, "The relay's metrics could not be sent");
        }
    }

    private async ValueTask<ControlMessage> AnswerAsync(ControlMessage request, CancellationToken cancellationToken)
    {
        var services = _services!;
        var stream = request.Stream ?? "";
        switch (request.Kind)
        {
            case ControlKind.DisconnectStream:
                return new ControlMessage
                {
                    Count = await services.GetRequiredService<IRelayControl>().DisconnectStreamAsync(stream, request.Text ?? "kicked", cancellationToken),
                };
            case ControlKind.StartRecording:
                try
                {
                    return new ControlMessage
                    {
                        Allowed = await services.GetRequiredService<IRelayRecorder>().StartRecordingAsync(stream, request.Text ?? "", cancellationToken),
                    };
                }
                catch (IOException e)
                {
                    return new ControlMessage { Error = e.Message };
                }
            case ControlKind.StopRecording:
                return new ControlMessage { Recording = await services.GetRequiredService<IRelayRecorder>().StopRecordingAsync(stream, cancellationToken) };
            case ControlKind.CaptureLatestGop:
                return new ControlMessage { Bytes = await services.GetRequiredService<IRelayRecorder>().CaptureLatestGopAsync(stream, cancellationToken) };
            case ControlKind.Stats:
                return new ControlMessage { Stats = await services.GetRequiredService<IRelayStats>().GetStreamAsync(stream, cancellationToken) };
            default:
                return new ControlMessage { Error = $"unknown request {request.Kind}" };
        }
    }
}

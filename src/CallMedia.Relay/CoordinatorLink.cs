using System.Net;
using System.Net.Sockets;
using CallMedia.Control;
using CallMedia.Hosting;
using CallMedia.Hosting.ControlLink;

namespace CallMedia.RelayProcess;

/// <summary>
/// The relay's end of the control channel (<see cref="ControlChannel"/> over the coordinator's Unix domain socket):
/// reports <see cref="ControlKind.Ready"/> with the bound endpoints, asks the coordinator for access decisions,
/// forwards media events, and carries out the coordinator's commands on <see cref="IRelayControl"/>,
/// <see cref="IRelayRecorder"/> and <see cref="IRelayStats"/>.
/// </summary>
public sealed class CoordinatorLink
{
    private readonly Stream _stream;
    private ControlChannel? _channel;
    private IServiceProvider? _services;

    private CoordinatorLink(Stream stream) => _stream = stream;

    /// <summary>Completes when the channel has closed (the coordinator is gone).</summary>
    public Task Closed => Channel.Completion;

    /// <summary>The channel (messages posted before <see cref="Start"/> wait in its queue).</summary>
    public ControlChannel Channel => _channel ??= new ControlChannel(_stream, AnswerAsync, _ => { }, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

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

    /// <summary>Starts reading commands; they run on the relay's services.</summary>
    public void Start(IServiceProvider services, ILogger logger)
    {
        _services = services;
        _channel ??= new ControlChannel(_stream, AnswerAsync, _ => { }, logger);
        _channel.Start();
    }

    /// <summary>Tells the coordinator where the relay listens.</summary>
    public void ReportReady(IPEndPoint rtmp, Uri? flv) =>
        Channel.Post(new ControlMessage
        {
            Kind = ControlKind.Ready,
            RtmpEndPoint = rtmp.ToString(),
            FlvEndPoint = flv is null ? null : $"{flv.Host}:{flv.Port}",
        });

    private ValueTask<ControlMessage> AnswerAsync(ControlMessage request, CancellationToken cancellationToken)
    {
        var services = _services!;
        var stream = request.Stream ?? "";
        switch (request.Kind)
        {
            case ControlKind.DisconnectStream:
                return Answer(new ControlMessage { Count = services.GetRequiredService<IRelayControl>().DisconnectStream(stream, request.Text ?? "kicked") });
            case ControlKind.StartRecording:
                try
                {
                    return Answer(new ControlMessage { Allowed = services.GetRequiredService<IRelayRecorder>().StartRecording(stream, request.Text ?? "") });
                }
                catch (IOException e)
                {
                    return Answer(new ControlMessage { Error = e.Message });
                }
            case ControlKind.StopRecording:
                return Answer(new ControlMessage { Recording = services.GetRequiredService<IRelayRecorder>().StopRecording(stream) });
            case ControlKind.CaptureLatestGop:
                return Answer(new ControlMessage { Bytes = services.GetRequiredService<IRelayRecorder>().CaptureLatestGop(stream) });
            case ControlKind.Stats:
                return Answer(new ControlMessage { Stats = services.GetRequiredService<IRelayStats>().GetStream(stream) });
            default:
                return Answer(new ControlMessage { Error = $"unknown request {request.Kind}" });
        }
    }

    private static ValueTask<ControlMessage> Answer(ControlMessage answer) => ValueTask.FromResult(answer);
}

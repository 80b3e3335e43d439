using CallMedia.Control;
using CallMedia.Hosting;
using CallMedia.Hosting.ControlLink;

namespace CallService.Media.ProcessMode;

/// <summary>
/// The relay's command interfaces, answered by the relay process over the control channel: each sends its request and
/// awaits the answer, at most <see cref="AnswerTimeout"/> (a local socket round trip normally takes well under a
/// millisecond); no thread waits meanwhile. Without a relay (not started, gone, restarting): DisconnectStream closes 0
/// connections, StopRecording, CaptureLatestGop and GetStream answer null, StartRecording throws <see cref="IOException"/>.
/// </summary>
internal sealed class RelayProcessCommands(RelayProcess relay, ILogger<RelayProcessCommands> logger)
    : IRelayControl, IRelayRecorder, IRelayStats
{
    /// <summary>Longest wait for an answer of the relay.</summary>
    public static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(5);

    public async ValueTask<int> DisconnectStreamAsync(string streamName, string reason, CancellationToken cancellationToken = default) =>
        (await AskAsync(ControlKind.DisconnectStream, streamName, reason, cancellationToken))?.Count ?? 0;

    public async ValueTask<bool> StartRecordingAsync(string streamName, string filePath, CancellationToken cancellationToken = default)
    {
        var answer = await AskAsync(ControlKind.StartRecording, streamName, filePath, cancellationToken)
                     ?? throw new IOException("The relay process is not available.");
        if (answer.Error is { } error) throw new IOException(error);
        return answer.Allowed == true;
    }

    public async ValueTask<RecordingSummary?> StopRecordingAsync(string streamName, CancellationToken cancellationToken = default) =>
        (await AskAsync(ControlKind.StopRecording, streamName, null, cancellationToken))?.Recording;

    public async ValueTask<byte[]?> CaptureLatestGopAsync(string streamName, CancellationToken cancellationToken = default) =>
        (await AskAsync(ControlKind.CaptureLatestGop, streamName, null, cancellationToken))?.Bytes;

    public async ValueTask<MediaStreamStats?> GetStreamAsync(string streamName, CancellationToken cancellationToken = default) =>
        (await AskAsync(ControlKind.Stats, streamName, null, cancellationToken))?.Stats;

    private async Task<ControlMessage?> AskAsync(ControlKind kind, string streamName, string? text, CancellationToken cancellationToken)
    {
        if (relay.Channel is not { } channel) return null;
        try
        {
            return await channel.RequestAsync(new ControlMessage { Kind = kind, Stream = streamName, Text = text }, AnswerTimeout, cancellationToken);
        }
        catch (Exception e) when (e is ControlChannelClosedException or TimeoutException)
        {
            logger.LogWarning("Relay command {Kind} got no answer: {Error}", kind, e.Message);
            return null;
        }
    }
}

using CallMedia.Control;
using CallMedia.Hosting;
using CallMedia.Hosting.ControlLink;

namespace CallService.Media.ProcessMode;

/// <summary>
/// The relay's command interfaces, answered by the relay process over the control channel. The interfaces are
/// synchronous, so each call waits for its answer, at most <see cref="AnswerTimeout"/> (a local socket round trip
/// normally takes well under a millisecond). Without a relay (not started, gone): DisconnectStream closes 0
/// connections, StopRecording, CaptureLatestGop and GetStream answer null, StartRecording throws
/// <see cref="IOException"/>.
/// </summary>
internal sealed class RelayProcessCommands(RelayProcess relay, ILogger<RelayProcessCommands> logger)
    : IRelayControl, IRelayRecorder, IRelayStats
{
    /// <summary>Longest wait for an answer of the relay.</summary>
    public static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(5);

    public int DisconnectStream(string streamName, string reason) =>
        Ask(ControlKind.DisconnectStream, streamName, reason)?.Count ?? 0;

    public bool StartRecording(string streamName, string filePath)
    {
        var answer = Ask(ControlKind.StartRecording, streamName, filePath) ?? throw new IOException("The relay process is not available.");
        if (answer.Error is { } error) throw new IOException(error);
        return answer.Allowed == true;
    }

    public RecordingSummary? StopRecording(string streamName) => Ask(ControlKind.StopRecording, streamName)?.Recording;

    public byte[]? CaptureLatestGop(string streamName) => Ask(ControlKind.CaptureLatestGop, streamName)?.Bytes;

    public MediaStreamStats? GetStream(string streamName) => Ask(ControlKind.Stats, streamName)?.Stats;

    private ControlMessage? Ask(ControlKind kind, string streamName, string? text = null)
    {
        if (relay.Channel is not { } channel) return null;
        try
        {
            return channel.RequestAsync(new ControlMessage { Kind = kind, Stream = streamName, Text = text }, AnswerTimeout)
                .GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is ControlChannelClosedException or TimeoutException)
        {
            logger.LogWarning("Relay command {Kind} got no answer: {Error}", kind, e.Message);
            return null;
        }
    }
}

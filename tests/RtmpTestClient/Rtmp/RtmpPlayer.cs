using System.Buffers.Binary;
using System.Diagnostics;
using RtmpTestClient.Chunking;
using RtmpTestClient.Flv;
using RtmpTestClient.Recording;

namespace RtmpTestClient.Rtmp;

/// <summary>
/// Plays an RTMP URL and records every audio/video/data message with its arrival time. With
/// <see cref="RtmpConnectionOptions.ReceiveBufferSize"/> and <see cref="RtmpConnectionOptions.MaxReadBytesPerSecond"/>
/// it behaves like a viewer on a slow link.
/// </summary>
public sealed class RtmpPlayer : IMediaPlayer
{
    private RtmpPlayer(RtmpConnection connection)
    {
        Connection = connection;
        connection.MediaReceived = (message, arrival) =>
            Recorder.Add(ReceivedMessage.From((MediaKind)message.TypeId, message.Timestamp, message.Payload.Span, arrival));
    }

    /// <summary>The underlying connection.</summary>
    public RtmpConnection Connection { get; }

    /// <inheritdoc />
    public MessageRecorder Recorder { get; } = new();

    /// <inheritdoc />
    public long RequestedTicks { get; private set; }

    /// <inheritdoc />
    public Task<Exception?> Closed => Connection.Closed;

    /// <summary>onStatus codes received (<c>NetStream.Play.Start</c>, <c>NetStream.Play.StreamNotFound</c>,
    /// <c>NetStream.Play.UnpublishNotify</c>…) and user control stream begin/EOF.</summary>
    public IReadOnlyList<string> StatusCodes => Connection.StatusCodes;

    /// <summary>
    /// Connects, creates a stream and sends <c>play</c> (start −2000 as FFmpeg does for live) plus
    /// SetBufferLength. Does not wait for <c>Play.Start</c>: use <see cref="WaitForStatusAsync"/>.
    /// Throws <see cref="RtmpStatusException"/> when <c>connect</c> is rejected.
    /// </summary>
    public static async Task<RtmpPlayer> StartAsync(
        string url, RtmpConnectionOptions? options = null, CancellationToken cancellationToken = default)
    {
        var parsed = RtmpUrl.Parse(url);
        var connection = await RtmpConnection.ConnectAsync(parsed, options, cancellationToken).ConfigureAwait(false);
        try
        {
            var player = new RtmpPlayer(connection);
            var streamId = await connection.CreateStreamAsync(cancellationToken).ConfigureAwait(false);
            player.RequestedTicks = Stopwatch.GetTimestamp();
            await connection.SendCommandAsync(streamId, "play", 0, null, parsed.StreamName, -2000.0).ConfigureAwait(false);
            var setBuffer = new byte[10];
            BinaryPrimitives.WriteUInt16BigEndian(setBuffer, 3);
            BinaryPrimitives.WriteUInt32BigEndian(setBuffer.AsSpan(2), streamId);
            BinaryPrimitives.WriteUInt32BigEndian(setBuffer.AsSpan(6), connection.Options.PlayBufferMs);
            await connection.SendAsync(new RtmpMessage(RtmpConnection.ControlChunkStream, RtmpMessageType.UserControl, 0, 0, setBuffer),
                cancellationToken).ConfigureAwait(false);
            return player;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Waits until status <paramref name="code"/> has been received (see <see cref="RtmpConnection.WaitForStatusAsync"/>).</summary>
    public Task<string> WaitForStatusAsync(string code, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Connection.WaitForStatusAsync(c => c == code, timeout, cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}

using System.Diagnostics;
using RtmpTestClient.Amf;
using RtmpTestClient.Chunking;
using RtmpTestClient.Flv;
using RtmpTestClient.Recording;

namespace RtmpTestClient.Rtmp;

/// <summary>How <see cref="RtmpPublisher.RunAsync"/> plays a file out.</summary>
public sealed record PublishOptions
{
    /// <summary>Stop after this long (wall clock); null = one pass (or forever with <see cref="Loop"/>).</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Start over at the end of the file, timestamps continuing upwards. Default true.</summary>
    public bool Loop { get; init; } = true;

    /// <summary>Added to every timestamp sent (e.g. to continue after a reconnect).</summary>
    public uint TimestampOffset { get; init; }

    /// <summary>Send metadata and sequence headers first. Default true.</summary>
    public bool SendHeaders { get; init; } = true;
}

/// <summary>
/// Publishes an FLV file to an RTMP URL at real-time pace (each tag is sent when the wall clock since start
/// reaches its timestamp). Every media message's send time is kept, keyed by (kind, timestamp), so a player in
/// the same process can compute per-message relay latency.
/// </summary>
public sealed class RtmpPublisher : IAsyncDisposable
{
    private readonly Lock _sentLock = new();
    private readonly Dictionary<MessageKey, SentMessage> _sent = [];

    private RtmpPublisher(RtmpConnection connection, uint streamId)
    {
        Connection = connection;
        StreamId = streamId;
    }

    /// <summary>The underlying connection (status codes, <see cref="RtmpConnection.Closed"/>).</summary>
    public RtmpConnection Connection { get; }

    /// <summary>The message stream id from <c>createStream</c>.</summary>
    public uint StreamId { get; }

    /// <summary>Highest timestamp sent so far (ms), for continuing after a reconnect.</summary>
    public uint LastTimestamp { get; private set; }

    /// <summary>
    /// Connects and publishes (releaseStream, FCPublish, createStream, publish "live") and waits for
    /// <c>NetStream.Publish.Start</c>. Throws <see cref="RtmpStatusException"/> with the code when the server
    /// refuses (<c>NetStream.Publish.BadName</c>, <c>NetConnection.Connect.Rejected</c>…).
    /// </summary>
    public static async Task<RtmpPublisher> StartAsync(
        string url, RtmpConnectionOptions? options = null, CancellationToken cancellationToken = default)
    {
        var parsed = RtmpUrl.Parse(url);
        var connection = await RtmpConnection.ConnectAsync(parsed, options, cancellationToken).ConfigureAwait(false);
        try
        {
            await connection.SendCommandAsync(0, "releaseStream", 0, null, parsed.StreamName).ConfigureAwait(false);
            await connection.SendCommandAsync(0, "FCPublish", 0, null, parsed.StreamName).ConfigureAwait(false);
            var streamId = await connection.CreateStreamAsync(cancellationToken).ConfigureAwait(false);
            await connection.SendCommandAsync(streamId, "publish", 0, null, parsed.StreamName, "live").ConfigureAwait(false);
            var status = await connection.WaitForStatusAsync(
                c => c.StartsWith("NetStream.Publish.", StringComparison.Ordinal) || c.StartsWith("NetConnection.Connect.", StringComparison.Ordinal),
                connection.Options.Timeout, cancellationToken).ConfigureAwait(false);
            if (status != "NetStream.Publish.Start")
                throw new RtmpStatusException(status, null);
            return new RtmpPublisher(connection, streamId);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Media messages sent so far, keyed by (kind, timestamp). Sequence headers are not included.</summary>
    public IReadOnlyDictionary<MessageKey, SentMessage> SentMessages()
    {
        lock (_sentLock)
            return new Dictionary<MessageKey, SentMessage>(_sent);
    }

    /// <summary>
    /// Sends <paramref name="file"/> at real-time pace until its end (or <see cref="PublishOptions.Duration"/>
    /// with <see cref="PublishOptions.Loop"/>) or cancellation. Cancellation ends it quietly.
    /// </summary>
    public async Task RunAsync(FlvFile file, PublishOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new PublishOptions();
        if (file.Media.Count == 0)
            return;
        var started = Stopwatch.GetTimestamp();
        var deadline = options.Duration is { } d ? started + (long)(d.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;
        try
        {
            if (options.SendHeaders)
                await SendHeadersAsync(file, options.TimestampOffset, cancellationToken).ConfigureAwait(false);
            var firstTimestamp = file.Media[0].Timestamp;
            var loopLength = (uint)file.Duration.TotalMilliseconds + 40; // one frame gap between passes
            for (uint pass = 0; ; pass++)
            {
                var passOffset = options.TimestampOffset + pass * loopLength;
                foreach (var tag in file.Media)
                {
                    var relative = tag.Timestamp - firstTimestamp + pass * loopLength;
                    var due = started + (long)(relative * (double)Stopwatch.Frequency / 1000);
                    if (due > deadline)
                        return;
                    var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                    if (wait > TimeSpan.Zero)
                        await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                    await SendTagAsync(tag, tag.Timestamp + passOffset, cancellationToken).ConfigureAwait(false);
                }
                if (!options.Loop)
                    return;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Sends metadata (<c>@setDataFrame onMetaData</c>) and the sequence headers at <paramref name="timestamp"/>.</summary>
    public async Task SendHeadersAsync(FlvFile file, uint timestamp, CancellationToken cancellationToken = default)
    {
        if (file.Metadata is { } metadata)
        {
            var payload = Amf0Writer.Encode("@setDataFrame").Concat(metadata.Payload.ToArray()).ToArray();
            await Connection.SendAsync(new RtmpMessage(RtmpConnection.DataChunkStream, RtmpMessageType.DataAmf0, StreamId, timestamp, payload),
                cancellationToken).ConfigureAwait(false);
        }
        foreach (var header in file.SequenceHeaders)
            await SendTagAsync(header, timestamp, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends one audio/video tag with timestamp <paramref name="timestamp"/> and records its send time.</summary>
    public async Task SendTagAsync(FlvTag tag, uint timestamp, CancellationToken cancellationToken = default)
    {
        var (chunkStream, type) = tag.Kind == MediaKind.Audio
            ? (RtmpConnection.AudioChunkStream, RtmpMessageType.Audio)
            : (RtmpConnection.VideoChunkStream, RtmpMessageType.Video);
        var sentAt = await Connection.SendAsync(new RtmpMessage(chunkStream, type, StreamId, timestamp, tag.Payload), cancellationToken)
            .ConfigureAwait(false);
        if (timestamp > LastTimestamp)
            LastTimestamp = timestamp;
        if (tag.IsSequenceHeader)
            return;
        lock (_sentLock)
            _sent.TryAdd(new MessageKey(tag.Kind, timestamp),
                new SentMessage(tag.Kind, timestamp, tag.Payload.Length, tag.IsKeyframe, false, sentAt));
    }

    /// <summary>Ends the publication politely (FCUnpublish + deleteStream) and closes.</summary>
    public async Task UnpublishAsync()
    {
        var name = Connection.Url.StreamName;
        try
        {
            await Connection.SendCommandAsync(0, "FCUnpublish", 0, null, name).ConfigureAwait(false);
            await Connection.SendCommandAsync(0, "deleteStream", 0, null, (double)StreamId).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
        }
        await Connection.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Closes the connection abruptly (no unpublish), like a killed pusher.</summary>
    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}

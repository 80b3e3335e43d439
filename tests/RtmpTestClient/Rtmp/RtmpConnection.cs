using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net.Sockets;
using RtmpTestClient.Amf;
using RtmpTestClient.Chunking;
using RtmpTestClient.Throttling;

namespace RtmpTestClient.Rtmp;

/// <summary>
/// One client connection: TCP connect, plain handshake, <c>connect</c> command, then a background read loop
/// (<c>RtmpConnection.Read.cs</c>) that answers protocol control messages, completes command calls, records
/// <c>onStatus</c> codes and hands media messages to <see cref="MediaReceived"/>.
/// <see cref="RtmpPublisher"/> and <see cref="RtmpPlayer"/> build on it.
/// </summary>
public sealed partial class RtmpConnection : IAsyncDisposable
{
    /// <summary>Chunk stream for protocol control messages (RTMP spec §5.4).</summary>
    public const int ControlChunkStream = 2;
    /// <summary>Chunk stream used for commands.</summary>
    public const int CommandChunkStream = 3;
    /// <summary>Chunk stream used for audio.</summary>
    public const int AudioChunkStream = 4;
    /// <summary>Chunk stream used for data messages (metadata).</summary>
    public const int DataChunkStream = 5;
    /// <summary>Chunk stream used for video.</summary>
    public const int VideoChunkStream = 6;

    private readonly Socket _socket;
    private readonly PipeReader _input;
    private readonly ChunkWriter _writer = new();
    private readonly ArrayBufferWriter<byte> _writeBuffer = new(64 * 1024);
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _shutdown = new();
    private Task _readLoop = Task.CompletedTask;

    private RtmpConnection(Socket socket, Stream stream, RtmpUrl url, RtmpConnectionOptions options)
    {
        _socket = socket;
        Url = url;
        Options = options;
        _input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 1024));
    }

    /// <summary>The URL this connection was opened for.</summary>
    public RtmpUrl Url { get; }

    /// <summary>The options it was opened with.</summary>
    public RtmpConnectionOptions Options { get; }

    /// <summary>
    /// Called on the read loop for every audio (8), video (9) and data (18) message, with the
    /// <see cref="Stopwatch.GetTimestamp"/> ticks at which it was fully received. Keep it short.
    /// </summary>
    public Action<RtmpMessage, long>? MediaReceived { get; set; }

    /// <summary>
    /// Opens a connection: TCP (with <see cref="RtmpConnectionOptions.ReceiveBufferSize"/> applied before
    /// connecting), handshake, Set Chunk Size, <c>connect</c> to the URL's app. Throws
    /// <see cref="RtmpStatusException"/> when the server answers <c>_error</c>, <see cref="IOException"/> when
    /// it closes, <see cref="TimeoutException"/> after <see cref="RtmpConnectionOptions.Timeout"/>.
    /// </summary>
    public static async Task<RtmpConnection> ConnectAsync(
        RtmpUrl url, RtmpConnectionOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new RtmpConnectionOptions();
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (options.ReceiveBufferSize is { } rcvbuf)
            socket.ReceiveBufferSize = rcvbuf;
        RtmpConnection? connection = null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.Timeout);
            await socket.ConnectAsync(url.Host, url.Port, timeout.Token).ConfigureAwait(false);
            await RtmpHandshake.PerformAsync(socket, timeout.Token).ConfigureAwait(false);

            Stream stream = new NetworkStream(socket, ownsSocket: false);
            if (options.MaxReadBytesPerSecond is { } rate)
                stream = new ThrottledStream(stream, rate);
            connection = new RtmpConnection(socket, stream, url, options);
            connection._readLoop = connection.ReadLoopAsync();
            await connection.SendSetChunkSizeAsync(options.OutgoingChunkSize).ConfigureAwait(false);

            var connectObject = new AmfObject
            {
                ["app"] = url.App,
                ["type"] = "nonprivate",
                ["flashVer"] = "FMLE/3.0 (compatible; RtmpTestClient)",
                ["tcUrl"] = url.TcUrl,
                ["fpad"] = false,
                ["capabilities"] = 15.0,
                ["audioCodecs"] = 4071.0,
                ["videoCodecs"] = 252.0,
                ["videoFunction"] = 1.0,
                ["objectEncoding"] = 0.0,
            };
            await connection.CallAsync("connect", connectObject, [], timeout.Token).ConfigureAwait(false);
            return connection;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await DisposeOrCloseAsync(connection, socket).ConfigureAwait(false);
            throw new TimeoutException($"RTMP connect to {url.TcUrl} timed out after {options.Timeout}.");
        }
        catch
        {
            await DisposeOrCloseAsync(connection, socket).ConfigureAwait(false);
            throw;
        }
    }

    private static async Task DisposeOrCloseAsync(RtmpConnection? connection, Socket socket)
    {
        if (connection is not null)
            await connection.DisposeAsync().ConfigureAwait(false);
        else
            socket.Dispose();
    }

    /// <summary>Sends <c>createStream</c> and returns the message stream id from <c>_result</c>.</summary>
    public async Task<uint> CreateStreamAsync(CancellationToken cancellationToken = default)
    {
        var result = await CallAsync("createStream", null, [], cancellationToken).ConfigureAwait(false);
        return result.Count > 3 && result[3] is double id ? (uint)id : throw new IOException("createStream: no stream id in _result.");
    }

    /// <summary>
    /// Sends a command with a fresh transaction id and waits for its <c>_result</c> (returned as decoded values:
    /// name, transaction id, command object, info…). Throws <see cref="RtmpStatusException"/> on <c>_error</c>.
    /// </summary>
    public async Task<List<object?>> CallAsync(
        string name, AmfObject? commandObject, object?[] args, CancellationToken cancellationToken = default)
    {
        var (transactionId, pending) = RegisterCall();
        await SendCommandAsync(0, name, transactionId, commandObject, args).ConfigureAwait(false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token);
        timeout.CancelAfter(Options.Timeout);
        try
        {
            return await pending.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Closed.IsCompleted
                ? new IOException($"RTMP connection closed while waiting for the answer to {name}.")
                : new TimeoutException($"RTMP {name}: no answer within {Options.Timeout}.");
        }
    }

    /// <summary>Sends a command without waiting for an answer (e.g. <c>publish</c>, <c>play</c>, <c>FCPublish</c>).</summary>
    public Task SendCommandAsync(uint streamId, string name, double transactionId, AmfObject? commandObject, params object?[] args)
    {
        var values = new object?[3 + args.Length];
        values[0] = name;
        values[1] = transactionId;
        values[2] = commandObject;
        args.CopyTo(values, 3);
        var payload = Amf0Writer.Encode(values);
        var chunkStream = streamId == 0 ? CommandChunkStream : 8;
        return SendAsync(new RtmpMessage(chunkStream, RtmpMessageType.CommandAmf0, streamId, 0, payload)).AsTask();
    }

    /// <summary>
    /// Writes one message (chunked with the current outgoing chunk size) and returns the
    /// <see cref="Stopwatch.GetTimestamp"/> ticks taken right before the socket write began.
    /// </summary>
    public async ValueTask<long> SendAsync(RtmpMessage message, CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _writeBuffer.ResetWrittenCount();
            _writer.Write(_writeBuffer, message);
            var started = Stopwatch.GetTimestamp();
            var data = _writeBuffer.WrittenMemory;
            while (!data.IsEmpty)
            {
                var sent = await _socket.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                data = data[sent..];
            }
            return started;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Sends bytes as they are, between whole messages (malformed chunks for hardening tests: a length claim, a
    /// message cut short).
    /// </summary>
    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (!bytes.IsEmpty)
            {
                var sent = await _socket.SendAsync(bytes, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                bytes = bytes[sent..];
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task SendSetChunkSizeAsync(int chunkSize)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(payload, chunkSize);
        await SendAsync(new RtmpMessage(ControlChunkStream, RtmpMessageType.SetChunkSize, 0, 0, payload)).ConfigureAwait(false);
        _writer.ChunkSize = chunkSize; // only after the announcement went out under the old size
    }

    /// <summary>Closes the socket (no <c>deleteStream</c>: tests use this as an abrupt disconnect too).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_shutdown.IsCancellationRequested)
            return;
        _shutdown.Cancel();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        _socket.Dispose();
        try
        {
            await _readLoop.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The read loop's outcome is reported through Closed.
        }
    }
}

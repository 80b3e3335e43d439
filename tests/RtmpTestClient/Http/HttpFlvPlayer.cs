using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using RtmpTestClient.Flv;
using RtmpTestClient.Recording;
using RtmpTestClient.Throttling;

namespace RtmpTestClient.Http;

/// <summary>Socket settings for <see cref="HttpFlvPlayer"/> (same meaning as for RTMP).</summary>
public sealed record HttpFlvPlayerOptions
{
    /// <summary><c>SO_RCVBUF</c> in bytes set before connecting; null keeps the kernel default.</summary>
    public int? ReceiveBufferSize { get; init; }

    /// <summary>Read cap in bytes/s; null = unlimited.</summary>
    public long? MaxReadBytesPerSecond { get; init; }

    /// <summary>Limit for connecting and receiving the response headers. Default 10 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Plays an HTTP-FLV URL (streaming GET, body read as FLV tags) and records every tag with its arrival time.
/// A non-success status is not an exception: check <see cref="StatusCode"/> (e.g. 403 for a bad signature).
/// </summary>
public sealed class HttpFlvPlayer : IMediaPlayer
{
    private readonly HttpClient _client;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly TaskCompletionSource<Exception?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _readLoop = Task.CompletedTask;

    private HttpFlvPlayer(HttpClient client) => _client = client;

    /// <inheritdoc />
    public MessageRecorder Recorder { get; } = new();

    /// <inheritdoc />
    public long RequestedTicks { get; private set; }

    /// <inheritdoc />
    public Task<Exception?> Closed => _closed.Task;

    /// <summary>The response status.</summary>
    public HttpStatusCode StatusCode { get; private set; }

    /// <summary>True for a 2xx status (the body is being read).</summary>
    public bool IsSuccess => (int)StatusCode is >= 200 and < 300;

    /// <summary>The FLV header once received (audio/video flags).</summary>
    public FlvHeader? Header { get; private set; }

    /// <summary>Sends the GET and starts reading the body in the background when the status is a success.</summary>
    public static async Task<HttpFlvPlayer> StartAsync(
        string url, HttpFlvPlayerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new HttpFlvPlayerOptions();
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.Timeout,
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                if (options.ReceiveBufferSize is { } rcvbuf)
                    socket.ReceiveBufferSize = rcvbuf;
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, ct).ConfigureAwait(false);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
                Stream stream = new NetworkStream(socket, ownsSocket: true);
                return options.MaxReadBytesPerSecond is { } rate ? new ThrottledStream(stream, rate) : stream;
            },
        };
        var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        var player = new HttpFlvPlayer(client);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.Timeout);
            player.RequestedTicks = Stopwatch.GetTimestamp();
            var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            player.StatusCode = response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                response.Dispose();
                player._closed.TrySetResult(null);
                return player;
            }
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            player._readLoop = player.ReadLoopAsync(response, body);
            return player;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private async Task ReadLoopAsync(HttpResponseMessage response, Stream body)
    {
        await Task.Yield();
        Exception? failure = null;
        try
        {
            var pipe = PipeReader.Create(body, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 1024));
            await foreach (var tag in FlvReader.ReadAsync(pipe, h => Header = h, _shutdown.Token).ConfigureAwait(false))
                Recorder.Add(ReceivedMessage.From(tag.Kind, tag.Timestamp, tag.Payload.Span, Stopwatch.GetTimestamp()));
        }
        catch (Exception) when (_shutdown.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        finally
        {
            response.Dispose();
        }
        _closed.TrySetResult(failure);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_shutdown.IsCancellationRequested)
            return;
        _shutdown.Cancel();
        _client.Dispose();
        try
        {
            await _readLoop.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // reported through Closed
        }
        _closed.TrySetResult(null);
    }
}

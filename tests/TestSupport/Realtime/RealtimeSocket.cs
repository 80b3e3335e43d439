using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;

namespace TestSupport.Realtime;

/// <summary>
/// A real <see cref="ClientWebSocket"/> to CallService's realtime channel (<c>GET /v1/ws?token=</c>, docs/api.md) that
/// reads the server's JSON text frames in the background: <see cref="NextAsync"/> waits for a frame of one type,
/// <see cref="Seen"/> keeps every frame received, in order. The one client the test projects share.
/// </summary>
public sealed class RealtimeSocket : IAsyncDisposable
{
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(10);
    private readonly ClientWebSocket _socket = new();
    private readonly Channel<JsonElement> _frames = Channel.CreateUnbounded<JsonElement>();
    private readonly List<JsonElement> _seen = [];
    private readonly CancellationTokenSource _stop = new();
    private Task _reader = Task.CompletedTask;

    private RealtimeSocket()
    {
    }

    /// <summary>Every frame received so far, in order (also those <see cref="NextAsync"/> skipped or has not read yet).</summary>
    public IReadOnlyList<JsonElement> Seen { get { lock (_seen) return [.. _seen]; } }

    /// <summary>Connects to <paramref name="uri"/> (<c>ws://…/v1/ws?token=…</c>) within <paramref name="timeout"/> (default 10 s).</summary>
    public static async Task<RealtimeSocket> ConnectAsync(Uri uri, TimeSpan? timeout = null)
    {
        var socket = new RealtimeSocket();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        await socket._socket.ConnectAsync(uri, cts.Token);
        socket._reader = socket.ReadLoopAsync();
        return socket;
    }

    /// <summary>Sends <paramref name="frame"/> as one JSON text frame (web defaults: camelCase names).</summary>
    public async Task SendAsync(object frame, JsonSerializerOptions? options = null)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(frame, options ?? JsonSerializerOptions.Web),
            WebSocketMessageType.Text, endOfMessage: true, cts.Token);
    }

    /// <summary>
    /// The next frame whose <c>type</c> is <paramref name="type"/>, skipping (but keeping in <see cref="Seen"/>) others;
    /// <see cref="TimeoutException"/> naming the frames seen when none comes within <paramref name="timeout"/>, and the
    /// test process's thread-pool state (an in-process host shares it: a starved pool shows as many queued items).
    /// </summary>
    public async Task<JsonElement> NextAsync(string type, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var frame = await _frames.Reader.ReadAsync(cts.Token);
                if (frame.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == type)
                    return frame;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            throw new TimeoutException(
                $"no '{type}' frame within {timeout.TotalSeconds} s; seen: {string.Join(" | ", Seen.Select(f => f.GetRawText()))}; " +
                $"this process's thread pool: {ThreadPool.ThreadCount} threads, {ThreadPool.PendingWorkItemCount} queued items");
        }
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                using var message = new MemoryStream();
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer.AsMemory(), _stop.Token);
                    if (result.MessageType == WebSocketMessageType.Close) return;
                    message.Write(buffer, 0, result.Count);
                } while (!result.EndOfMessage);
                var frame = JsonDocument.Parse(message.ToArray()).RootElement.Clone();
                lock (_seen) _seen.Add(frame);
                await _frames.Writer.WriteAsync(frame);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }
        finally
        {
            _frames.Writer.TryComplete();
        }
    }

    /// <summary>Closes (normal closure, bounded), stops reading and releases the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var cts = new CancellationTokenSource(CloseTimeout);
            try { await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token); }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException) { }
        }
        // The server answers the close; a reader still waiting after the bound is stopped.
        if (await Task.WhenAny(_reader, Task.Delay(CloseTimeout)) != _reader) await _stop.CancelAsync();
        await _reader;
        _socket.Dispose();
        _stop.Dispose();
    }
}

using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace CallService.Tests.Support;

/// <summary>A real <see cref="ClientWebSocket"/> to <c>/v1/ws</c> that collects the server's JSON frames.</summary>
public sealed class RealtimeClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly Channel<JsonElement> _frames = Channel.CreateUnbounded<JsonElement>();
    private Task? _reader;

    public List<JsonElement> Seen { get; } = [];

    public static async Task<RealtimeClient> Connect(Uri uri)
    {
        var client = new RealtimeClient();
        await client._socket.ConnectAsync(uri, Timeout());
        client._reader = client.ReadLoop();
        // The pong proves the server attached this socket to the user's stream.
        await client.Send(new { type = "ping" });
        await client.Next("pong");
        return client;
    }

    public Task Send(object frame) =>
        _socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(frame, ServiceHost.Json), WebSocketMessageType.Text, true, Timeout());

    /// <summary>The next frame of <paramref name="type"/>, skipping (but keeping in <see cref="Seen"/>) others.</summary>
    public async Task<JsonElement> Next(string type, double seconds = 10)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        try
        {
            while (true)
            {
                var frame = await _frames.Reader.ReadAsync(cts.Token);
                if (frame.GetProperty("type").GetString() == type) return frame;
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No '{type}' frame within {seconds}s; seen: {string.Join(", ", Seen.Select(f => f.GetProperty("type").GetString()))}");
        }
    }

    /// <summary>True if a frame of this type arrives within the time (for negative checks keep it short).</summary>
    public async Task<bool> Receives(string type, double seconds)
    {
        try { await Next(type, seconds); return true; }
        catch (TimeoutException) { return false; }
    }

    private async Task ReadLoop()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                    length += result.Count;
                } while (!result.EndOfMessage);
                if (result.MessageType == WebSocketMessageType.Close) break;
                var frame = JsonDocument.Parse(Encoding.UTF8.GetString(buffer, 0, length)).RootElement.Clone();
                lock (Seen) Seen.Add(frame);
                await _frames.Writer.WriteAsync(frame);
            }
        }
        catch (WebSocketException)
        {
        }
        _frames.Writer.TryComplete();
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try { await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, Timeout()); }
            catch (WebSocketException) { }
        }
        if (_reader is not null) await _reader;
        _socket.Dispose();
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token;
}

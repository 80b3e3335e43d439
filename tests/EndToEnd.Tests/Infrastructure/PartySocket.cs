using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace EndToEnd.Tests.Infrastructure;

/// <summary>A party's realtime channel (<c>GET /v1/ws?token=</c>), as a mini-program's wx.connectSocket uses it.</summary>
internal sealed class PartySocket : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly Channel<JsonObject> _events = Channel.CreateUnbounded<JsonObject>();
    private readonly List<JsonObject> _seen = [];
    private readonly CancellationTokenSource _stop = new();
    private Task _receiving = Task.CompletedTask;

    public static async Task<PartySocket> ConnectAsync(ServiceProcess service, string token)
    {
        var party = new PartySocket();
        await party._socket.ConnectAsync(new Uri($"ws://127.0.0.1:{service.HttpPort}/v1/ws?token={Uri.EscapeDataString(token)}"),
            CancellationToken.None);
        party._receiving = party.ReceiveLoopAsync();
        return party;
    }

    public Task SendAsync(object message) => _socket.SendAsync(
        Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(message)), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>Waits for the next event of <paramref name="type"/> (earlier events of other types are kept in <see cref="Seen"/>).</summary>
    public async Task<JsonObject> WaitForAsync(string type, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var message = await _events.Reader.ReadAsync(cts.Token);
                lock (_seen) _seen.Add(message);
                if (message["type"]?.GetValue<string>() == type)
                    return message;
            }
        }
        catch (OperationCanceledException)
        {
            lock (_seen)
                throw new TimeoutException($"no '{type}' within {timeout}; seen: {string.Join(" | ", _seen.Select(m => m.ToJsonString()))}");
        }
    }

    public IReadOnlyList<JsonObject> Seen { get { lock (_seen) return [.. _seen]; } }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer, _stop.Token);
                    if (result.MessageType == WebSocketMessageType.Close)
                        return;
                    message.Write(buffer, 0, result.Count);
                } while (!result.EndOfMessage);
                if (JsonNode.Parse(message.ToArray()) is JsonObject json)
                    await _events.Writer.WriteAsync(json);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }
        finally
        {
            _events.Writer.TryComplete();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_socket.State == WebSocketState.Open)
        {
            try { await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None); }
            catch (WebSocketException) { }
        }
        await _receiving;
        _socket.Dispose();
    }
}

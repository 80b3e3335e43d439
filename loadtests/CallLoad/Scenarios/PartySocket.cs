using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;

namespace CallLoad.Scenarios;

/// <summary>
/// One party's realtime socket (<c>GET /v1/ws?token=</c>, JSON text frames): records when each event arrived,
/// keyed by (type, callId), so a waiter may start before or after the event.
/// </summary>
internal sealed class PartySocket : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<(string Type, string CallId), TaskCompletionSource<long>> _events = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    /// <summary>Connects with <paramref name="token"/> and starts reading.</summary>
    public static async Task<PartySocket> ConnectAsync(Uri baseUrl, string token, CancellationToken cancellationToken)
    {
        var party = new PartySocket();
        var ws = new UriBuilder(baseUrl)
        {
            Scheme = baseUrl.Scheme == "https" ? "wss" : "ws",
            Path = "/v1/ws",
            Query = "token=" + Uri.EscapeDataString(token),
        };
        await party._socket.ConnectAsync(ws.Uri, cancellationToken).ConfigureAwait(false);
        party._loop = party.ReceiveLoopAsync();
        return party;
    }

    /// <summary>The <see cref="Stopwatch"/> ticks at which event <paramref name="type"/> of <paramref name="callId"/> arrived.</summary>
    public async Task<long> WaitForAsync(string type, string callId, TimeSpan timeout)
    {
        var slot = Slot(type, callId);
        try
        {
            return await slot.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no {type} for call {callId} within {timeout.TotalSeconds:F0} s");
        }
        finally
        {
            _events.TryRemove((type, callId), out _);
        }
    }

    private TaskCompletionSource<long> Slot(string type, string callId) =>
        _events.GetOrAdd((type, callId), _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously));

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                var count = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (count == buffer.Length)
                        Array.Resize(ref buffer, buffer.Length * 2);
                    result = await _socket.ReceiveAsync(buffer.AsMemory(count), _stop.Token).ConfigureAwait(false);
                    count += result.Count;
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);
                if (result.MessageType == WebSocketMessageType.Close)
                    break;
                var arrived = Stopwatch.GetTimestamp();
                if (TryReadKey(buffer.AsSpan(0, count), out var name, out var callId))
                    Slot(name, callId).TrySetResult(arrived);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or JsonException)
        {
        }
    }

    /// <summary>
    /// The top-level <c>type</c> and <c>callId</c> of an event frame, read forward-only (no DOM: the generator shares the
    /// machine with the server, so its per-event cost is kept small). Nested objects (<c>data</c>) are skipped.
    /// </summary>
    internal static bool TryReadKey(ReadOnlySpan<byte> frame, out string type, out string callId)
    {
        type = callId = "";
        string? t = null, c = null;
        var reader = new Utf8JsonReader(frame);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 0) break;
            if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1) continue;
            var isType = reader.ValueTextEquals("type"u8);
            var isCall = !isType && reader.ValueTextEquals("callId"u8);
            if (!reader.Read()) return false;
            if (isType && reader.TokenType == JsonTokenType.String) t = reader.GetString();
            else if (isCall && reader.TokenType == JsonTokenType.String) c = reader.GetString();
            else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
            if (t is not null && c is not null) break;
        }
        if (t is null || c is null) return false;
        (type, callId) = (t, c);
        return true;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }
        _stop.Cancel();
        await _loop.ConfigureAwait(false);
        _socket.Dispose();
    }
}

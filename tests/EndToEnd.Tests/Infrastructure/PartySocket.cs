using System.Text.Json.Nodes;
using TestSupport.Realtime;

namespace EndToEnd.Tests.Infrastructure;

/// <summary>
/// A party's realtime channel (<c>GET /v1/ws?token=</c>) on a <see cref="ServiceProcess"/>, as a mini-program's
/// wx.connectSocket uses it: the shared <see cref="RealtimeSocket"/> with frames as <see cref="JsonObject"/>.
/// </summary>
internal sealed class PartySocket : IAsyncDisposable
{
    private readonly RealtimeSocket _socket;

    private PartySocket(RealtimeSocket socket) => _socket = socket;

    public static async Task<PartySocket> ConnectAsync(ServiceProcess service, string token) =>
        new(await RealtimeSocket.ConnectAsync(new Uri($"ws://127.0.0.1:{service.HttpPort}/v1/ws?token={Uri.EscapeDataString(token)}")));

    public Task SendAsync(object message) => _socket.SendAsync(message);

    /// <summary>Waits for the next event of <paramref name="type"/> (events of other types are kept in <see cref="Seen"/>).</summary>
    public async Task<JsonObject> WaitForAsync(string type, TimeSpan timeout) =>
        JsonNode.Parse((await _socket.NextAsync(type, timeout)).GetRawText())!.AsObject();

    /// <summary>Every event received so far, in order.</summary>
    public IReadOnlyList<JsonObject> Seen => [.. _socket.Seen.Select(f => JsonNode.Parse(f.GetRawText())!.AsObject())];

    public ValueTask DisposeAsync() => _socket.DisposeAsync();
}

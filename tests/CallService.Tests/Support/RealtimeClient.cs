using System.Text.Json;
using TestSupport.Realtime;

namespace CallService.Tests.Support;

/// <summary>
/// A party's socket on <c>/v1/ws</c> as the host tests use it: the shared <see cref="RealtimeSocket"/> with frames as
/// <see cref="JsonElement"/>, waits in seconds, and a connect that returns once the server attached the socket.
/// </summary>
public sealed class RealtimeClient : IAsyncDisposable
{
    private readonly RealtimeSocket _socket;

    private RealtimeClient(RealtimeSocket socket) => _socket = socket;

    /// <summary>Every frame received so far, in order.</summary>
    public IReadOnlyList<JsonElement> Seen => _socket.Seen;

    public static async Task<RealtimeClient> Connect(Uri uri)
    {
        var client = new RealtimeClient(await RealtimeSocket.ConnectAsync(uri));
        // The pong proves the server attached this socket to the user's stream.
        await client.Send(new { type = "ping" });
        await client.Next("pong");
        return client;
    }

    public Task Send(object frame) => _socket.SendAsync(frame, ServiceHost.Json);

    /// <summary>The next frame of <paramref name="type"/>, skipping (but keeping in <see cref="Seen"/>) others.</summary>
    public Task<JsonElement> Next(string type, double seconds = 10) => _socket.NextAsync(type, TimeSpan.FromSeconds(seconds));

    /// <summary>True if a frame of this type arrives within the time (for negative checks keep it short).</summary>
    public async Task<bool> Receives(string type, double seconds)
    {
        try { await Next(type, seconds); return true; }
        catch (TimeoutException) { return false; }
    }

    public ValueTask DisposeAsync() => _socket.DisposeAsync();
}

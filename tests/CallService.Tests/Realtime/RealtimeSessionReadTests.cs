using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using CallService.Realtime;
using CallService.Storage;
using CallService.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;

namespace CallService.Tests.Realtime;

/// <summary>
/// How a session reads client frames over a real loopback socket: frames in fragments, an empty frame, a frame of
/// exactly <see cref="RealtimeSession.MaxFrameBytes"/> and one byte more (the socket closes, 1009). None of these frames
/// reaches the store: a substitute stands in for it.
/// </summary>
public sealed class RealtimeSessionReadTests : IAsyncLifetime
{
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(30));
    private TcpListener _listener = null!;
    private TcpClient _client = null!;
    private TcpClient _server = null!;
    private WebSocket _socket = null!;
    private Task _session = null!;

    public async Task InitializeAsync()
    {
        var store = Substitute.For<ICallStore>();
        var hub = new RealtimeHub(new ManualTimeProvider(CoordinatorRig.T0), store, new EventSequence(store),
            Options.Create(new RealtimeOptions()), NullLogger<RealtimeHub>.Instance);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _client = new TcpClient();
        await _client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)_listener.LocalEndpoint).Port);
        _server = await _listener.AcceptTcpClientAsync();
        _socket = WebSocket.CreateFromStream(_client.GetStream(), new WebSocketCreationOptions { IsServer = false });
        var session = new RealtimeSession("bob", hub, new ServiceCollection().BuildServiceProvider().GetRequiredService<IServiceScopeFactory>(),
            NullLogger.Instance);
        _session = session.RunAsync(
            () => Task.FromResult(WebSocket.CreateFromStream(_server.GetStream(), new WebSocketCreationOptions { IsServer = true })), _stop.Token);
    }

    public async Task DisposeAsync()
    {
        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, _stop.Token);
        await _session.WaitAsync(TimeSpan.FromSeconds(10)); // the session ends with the close: no read left behind
        _socket.Dispose();
        _client.Dispose();
        _server.Dispose();
        _listener.Stop();
        _stop.Dispose();
    }

    private async Task SendAsync(params string[] fragments)
    {
        for (var i = 0; i < fragments.Length; i++)
            await _socket.SendAsync(Encoding.UTF8.GetBytes(fragments[i]), WebSocketMessageType.Text, i == fragments.Length - 1, _stop.Token);
    }

    private async Task<JsonElement> ReceiveAsync()
    {
        var buffer = new byte[64 * 1024];
        var result = await _socket.ReceiveAsync(buffer, _stop.Token);
        Assert.True(result.EndOfMessage);
        return JsonDocument.Parse(buffer.AsMemory(0, result.Count)).RootElement;
    }

    private static string Padded(string json, int bytes) => json[..^1] + new string(' ', bytes - json.Length) + "}";

    [Fact]
    public async Task FramesInFragments_AnEmptyFrame_AndAFrameOfTheMaximumSize_AreEachAnswered()
    {
        await SendAsync("{\"ty", "pe\":\"pi", "ng\"}");
        Assert.Equal("pong", (await ReceiveAsync()).GetProperty("type").GetString());

        await SendAsync("");
        var error = await ReceiveAsync();
        Assert.Equal("error", error.GetProperty("type").GetString());

        var largest = Padded("{\"type\":\"ping\"}", RealtimeSession.MaxFrameBytes);
        Assert.Equal(RealtimeSession.MaxFrameBytes, Encoding.UTF8.GetByteCount(largest));
        await SendAsync(largest[..5000], largest[5000..]);
        Assert.Equal("pong", (await ReceiveAsync()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task AFrameOneByteOverTheMaximum_ClosesTheSocket_AsMessageTooBig()
    {
        await SendAsync(Padded("{\"type\":\"ping\"}", RealtimeSession.MaxFrameBytes + 1));
        var result = await _socket.ReceiveAsync(new byte[1024], _stop.Token);
        Assert.Equal((WebSocketMessageType.Close, WebSocketCloseStatus.MessageTooBig), (result.MessageType, _socket.CloseStatus));
    }
}

using System.Net.WebSockets;
using System.Text.Json;

namespace CallService.Tests.Support;

/// <summary>
/// A server-side <see cref="WebSocket"/> stand-in that keeps every text frame sent to it, in order: what a party's
/// socket would have received, without a network. Every send completes at once.
/// </summary>
internal sealed class FrameRecorder : WebSocket
{
    private readonly Lock _gate = new();
    private readonly List<JsonElement> _frames = [];

    /// <summary>The frames received so far (a copy).</summary>
    public List<JsonElement> Frames
    {
        get { lock (_gate) return [.. _frames]; }
    }

    /// <summary>The <c>seq</c> of every frame received so far, in the order received.</summary>
    public List<long> Seqs => [.. Frames.Select(f => f.GetProperty("seq").GetInt64())];

    public override WebSocketCloseStatus? CloseStatus => null;
    public override string? CloseStatusDescription => null;
    public override WebSocketState State => WebSocketState.Open;
    public override string? SubProtocol => null;

    public override void Abort() { }

    public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) => Task.CompletedTask;

    public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Dispose() { }

    public override Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken) =>
        Task.FromResult(new WebSocketReceiveResult(0, WebSocketMessageType.Close, true));

    public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
    {
        Keep(buffer.AsSpan());
        return Task.CompletedTask;
    }

    public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
    {
        Keep(buffer.Span);
        return ValueTask.CompletedTask;
    }

    private void Keep(ReadOnlySpan<byte> frame)
    {
        var element = JsonDocument.Parse(frame.ToArray()).RootElement.Clone();
        lock (_gate) _frames.Add(element);
    }
}

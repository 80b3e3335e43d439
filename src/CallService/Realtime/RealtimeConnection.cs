using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;

namespace CallService.Realtime;

/// <summary>
/// One WebSocket of a user. Frames are queued (bounded) and written by one loop, so publishers never wait
/// on a slow socket; a socket that falls 1024 frames behind is closed (the client resumes after reconnecting).
/// </summary>
internal sealed class RealtimeConnection(WebSocket socket, ILogger logger)
{
    private readonly Channel<string> _outbound = Channel.CreateBounded<string>(
        new BoundedChannelOptions(1024) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    private int _overflowed;

    /// <summary>The user's last seq when this socket attached (set by the hub under the user's lock).</summary>
    public long AttachedAtSeq { get; set; }

    public void Enqueue(string frame)
    {
        if (!_outbound.Writer.TryWrite(frame) && Interlocked.Exchange(ref _overflowed, 1) == 0)
        {
            logger.LogWarning("Realtime socket too slow; closing it");
            _outbound.Writer.TryComplete();
        }
    }

    public void Complete() => _outbound.Writer.TryComplete();

    public async Task WriteLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var frame in _outbound.Reader.ReadAllAsync(cancellationToken))
                await socket.SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text, true, cancellationToken);
            if (_overflowed == 1 && socket.State == WebSocketState.Open)
                await socket.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, "too slow", cancellationToken);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The reader side notices the closed socket and detaches.
        }
    }
}

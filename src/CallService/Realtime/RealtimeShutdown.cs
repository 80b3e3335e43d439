namespace CallService.Realtime;

/// <summary>
/// Closes the realtime sockets when the node stops: the server's own stop would wait for them until the host's shutdown
/// timeout (a WebSocket stays open as long as its client wants). Signalled once the node's calls are done with
/// (<see cref="Cluster.NodeDrain"/>): each session stops reading, writes what is queued (a drain's <c>call.ended</c>)
/// and closes with 1001 "going away" (RFC 6455 §7.4.1), and the client reconnects to another node.
/// </summary>
internal sealed class RealtimeShutdown : IDisposable
{
    private readonly CancellationTokenSource _closing = new();

    /// <summary>Cancelled when the sockets are to close.</summary>
    public CancellationToken Closing => _closing.Token;

    public void Close()
    {
        try { _closing.Cancel(); }
        catch (ObjectDisposedException) { }
    }

    public void Dispose() => _closing.Dispose();
}

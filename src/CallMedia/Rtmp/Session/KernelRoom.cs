using System.Net.Sockets;
using CallMedia.Relay;

namespace CallMedia.Rtmp.Session;

/// <summary>
/// Keeps what a viewer's kernel send queue holds but has not sent yet (<c>SIOCOUTQNSD</c>) within a small
/// budget (50 ms of the stream, at least <see cref="MinimumBytes"/>): while the link is behind, media waits in
/// our queue where the drop policy sees it (DESIGN §4). In-flight bytes are the congestion window's business.
/// Polls every 10 ms only while the link is behind.
/// </summary>
internal static class KernelRoom
{
    public const int MinimumBytes = 2 * 1024;

    /// <summary>Waits until the kernel holds less than the budget; returns how many bytes may be written now.</summary>
    public static async ValueTask<int> WaitAsync(Socket socket, OutboundQueue queue, CancellationToken cancellationToken)
    {
        var budget = queue.KernelBudgetBytes(MinimumBytes);
        var unsent = SocketOutQueue.NotSent(socket);
        while (unsent >= budget)
        {
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
            unsent = SocketOutQueue.NotSent(socket);
        }
        return budget - unsent;
    }
}

using System.Net.Sockets;
using CallMedia.Relay;

namespace CallMedia.Rtmp.Session;

/// <summary>
/// Keeps what a viewer's kernel send queue holds within the queue's budget (bandwidth-delay product at the
/// stream's rate, at least <see cref="MinimumBytes"/>): while the link is behind, media waits in our queue where
/// the drop policy sees it (DESIGN §4). Polls <c>SIOCOUTQ</c> every 10 ms only while the link is behind.
/// </summary>
internal static class KernelRoom
{
    public const int MinimumBytes = 4 * 1024;

    /// <summary>Waits until the kernel holds less than the budget; returns how many bytes may be written now.</summary>
    public static async ValueTask<int> WaitAsync(Socket socket, OutboundQueue queue, CancellationToken cancellationToken)
    {
        var budget = queue.KernelBudgetBytes(SocketOutQueue.RttMs(socket), MinimumBytes);
        var unsent = SocketOutQueue.Unsent(socket);
        while (unsent >= budget)
        {
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
            unsent = SocketOutQueue.Unsent(socket);
        }
        return budget - unsent;
    }
}

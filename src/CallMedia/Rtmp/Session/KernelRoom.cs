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

    /// <summary>
    /// Waits until the kernel holds less than the budget and the viewer's pacing (a link measured slower than the
    /// stream) allows more; returns how many bytes may be written now.
    /// </summary>
    public static async ValueTask<int> WaitAsync(Socket socket, OutboundQueue queue, CancellationToken cancellationToken)
    {
        var budget = queue.KernelBudgetBytes(MinimumBytes);
        while (true)
        {
            var unsent = SocketOutQueue.NotSent(socket);
            var paced = queue.PacedRoom();
            if (unsent < budget && paced > 0)
                return Math.Min(budget - unsent, paced);
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }
}

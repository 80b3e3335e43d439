using CallMedia.Media;

namespace CallMedia.Relay;

internal sealed partial class RelayStream
{
    /// <summary>Distinct writers a wake batch lists before it wakes them (bounds the list and the wait of the first).</summary>
    private const int MaxBatchedWakes = 64;

    /// <summary>Per publisher thread: viewers offered messages since their writers were last woken (no allocation per message).</summary>
    [ThreadStatic] private static ShortList<Viewer>? t_wake;

    [ThreadStatic] private static bool t_batching;

#if DEBUG
    [ThreadStatic] private static bool t_wakingListed; // Debug builds: WakeListed is not re-entered
#endif

    /// <summary>
    /// From here to <see cref="EndWakeBatch"/>, the fan-outs on this thread
    /// (<see cref="OnMedia(IPublisherSession, Media.MediaPacket, long, List{Viewer}, bool, bool)"/>) queue each message
    /// for the viewers but wake their writers only at the end, so an idle writer sends all the messages of the batch in
    /// one write instead of one send per message. The caller is the publisher's read (one batch per read: a read often holds
    /// an audio and a video message); every message waits at most for the parse and fan-out of the ones after it in that
    /// read. Not nested; call <see cref="EndWakeBatch"/> in a <c>finally</c>, holding no lock.
    /// </summary>
    public static void BeginWakeBatch() => t_batching = true;

    /// <summary>Ends the batch: wakes, inline, every writer it offered a message to (each idle one sends on this thread).</summary>
    public static void EndWakeBatch()
    {
        t_batching = false;
        if (t_wake is { Count: > 0 } wake)
            WakeListed(wake);
    }

    /// <summary>
    /// Wakes the listed writers and empties the list. Not re-entered on a thread: an inline wake-up writes to its viewer's
    /// socket and never fans out (asserted in Debug builds; the list is walked as a span, which, unlike a <see cref="List{T}"/> enumerator,
    /// would not notice a change during the walk).
    /// </summary>
    private static void WakeListed(ShortList<Viewer> wake)
    {
#if DEBUG
        System.Diagnostics.Debug.Assert(!t_wakingListed, "WakeListed re-entered on this thread");
        t_wakingListed = true;
#endif
        try
        {
            foreach (var viewer in wake.AsSpan())
            {
                viewer.WakeList = null; // before the wake: a fan-out after it lists the viewer again
                viewer.Queue.WakeWriter(inline: true);
            }
        }
        finally
        {
            foreach (var viewer in wake.AsSpan())
                viewer.WakeList = null; // a wake that threw left the rest listed: the next fan-out lists them again
            wake.Clear();
#if DEBUG
            t_wakingListed = false;
#endif
        }
    }
}

namespace CallMedia.Hosting;

/// <summary>
/// Tells whether the current thread may be one that socket completions run on. With inline socket completions
/// (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>), .NET runs the continuation of every socket operation on
/// its epoll thread (".NET Sockets", not a thread-pool thread) instead of queuing it to the thread pool: a publisher's
/// read, its fan-out and the viewers' sends then run there without a hand-off, as in nginx's event loop. Anything
/// that may block — the host's access policy, media event sinks that commit to a store — must leave such a thread
/// first, or every connection of the process waits behind it.
/// </summary>
internal static class SocketThreads
{
    /// <summary>True off the thread pool (a socket engine thread, or any other dedicated thread): hop before blocking.</summary>
    public static bool IsCurrent => !Thread.CurrentThread.IsThreadPoolThread;
}

using System.Net.Sockets;

namespace CallMedia.Rtmp.Io;

/// <summary>
/// The relay's epoll loops (<see cref="EpollLoop"/>), one thread per core at most; connections are spread over them
/// in turn and stay on theirs.
/// </summary>
internal sealed class EpollLoops : IDisposable
{
    private readonly EpollLoop[] _loops;
    private int _next = -1;

    /// <summary>Starts <paramref name="threads"/> loops (0 = one per core; capped at the core count).</summary>
    public EpollLoops(int threads)
    {
        var count = threads <= 0 ? Environment.ProcessorCount : Math.Min(threads, Environment.ProcessorCount);
        _loops = new EpollLoop[Math.Max(count, 1)];
        for (var i = 0; i < _loops.Length; i++)
            _loops[i] = new EpollLoop($"RTMP epoll {i}");
    }

    /// <summary>Loop threads.</summary>
    public int Count => _loops.Length;

    /// <summary>Registers a new connection with the next loop.</summary>
    public SocketReadiness Register(Socket socket)
    {
        var index = (int)((uint)Interlocked.Increment(ref _next) % (uint)_loops.Length);
        return _loops[index].Register(socket);
    }

    public void Dispose()
    {
        foreach (var loop in _loops)
            loop.Dispose();
    }
}

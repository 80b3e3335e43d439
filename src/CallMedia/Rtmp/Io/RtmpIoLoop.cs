namespace CallMedia.Rtmp.Io;

/// <summary>How RTMP connections are read (<c>Media:Rtmp:IoLoop</c>).</summary>
public enum RtmpIoLoop
{
    /// <summary>
    /// <see cref="Epoll"/> in the relay's own process (<c>Media:Mode=process</c>, <c>src/CallMedia.Relay</c>) on Linux,
    /// <see cref="Sockets"/> inside a host process (CallService's in-process relay) and elsewhere.
    /// </summary>
    Auto,

    /// <summary>.NET's socket engine (<c>Socket.ReceiveAsync</c>): every platform.</summary>
    Sockets,

    /// <summary>
    /// The relay's own epoll loops (Linux, 64-bit; else <see cref="Sockets"/> with a warning): one thread per core at
    /// most, sockets read until a read returns less than asked, parsing and fan-out on the loop's thread.
    /// </summary>
    Epoll,
}

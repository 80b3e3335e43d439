using System.Runtime.InteropServices;

namespace CallMedia.Rtmp.Io;

/// <summary>
/// The few Linux calls the relay's own readiness loop needs (epoll(7): <c>epoll_create1</c>, <c>epoll_ctl</c>,
/// <c>epoll_wait</c>; recv(2) with <c>MSG_DONTWAIT</c>), through source-generated P/Invoke (Native AOT clean).
/// <c>struct epoll_event</c> is packed on x86-64 (12 bytes: events at 0, data at 4) and naturally aligned on other
/// 64-bit architectures (16 bytes: data at 8); <see cref="EventStride"/> and <see cref="EventDataOffset"/> follow it.
/// </summary>
internal static partial class EpollNative
{
    public const uint EpollIn = 0x001;
    public const uint EpollErr = 0x008;
    public const uint EpollHup = 0x010;
    public const uint EpollRdHup = 0x2000;
    public const uint EpollEt = 0x8000_0000;
    public const int EpollCtlAdd = 1;
    public const int EpollCtlDel = 2;
    public const int EpollCloexec = 0x80000;
    public const int MsgDontWait = 0x40;

    /// <summary>errno values (asm-generic/errno-base.h, errno.h) the loop and the reader act on.</summary>
    public const int EIntr = 4;
    public const int EAgain = 11;
    public const int EConnReset = 104;

    /// <summary>Size of one <c>struct epoll_event</c> in an <c>epoll_wait</c> result.</summary>
    public static readonly int EventStride = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    /// <summary>Offset of <c>data.u64</c> within an event.</summary>
    public static readonly int EventDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    /// <summary>Linux on a 64-bit process: the only place the loop runs (else the .NET socket engine is used).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && Environment.Is64BitProcess;

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int Create(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    public static unsafe partial int Control(int epfd, int op, int fd, byte* evt);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    public static unsafe partial int Wait(int epfd, byte* events, int maxEvents, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    public static unsafe partial nint Receive(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary><c>epoll_ctl</c> with one event (<paramref name="events"/>, <paramref name="data"/>) laid out for this architecture.</summary>
    public static unsafe int Control(int epfd, int op, int fd, uint events, ulong data)
    {
        var evt = stackalloc byte[16];
        *(uint*)evt = events;
        System.Runtime.CompilerServices.Unsafe.WriteUnaligned(evt + EventDataOffset, data);
        return Control(epfd, op, fd, evt);
    }
}

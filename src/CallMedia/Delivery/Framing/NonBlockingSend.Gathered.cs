using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace CallMedia.Delivery.Framing;

internal static partial class NonBlockingSend
{
    /// <summary>
    /// Segments per <c>sendmsg</c>: within Linux's <c>IOV_MAX</c> (1024, see writev(2)) and small enough for the stack
    /// (16 bytes each). A wake-up's output is far fewer (a chunk header and a payload slice per chunk); more go in further
    /// calls while the kernel takes each whole.
    /// </summary>
    internal const int MaxVectors = 256;

    /// <summary>
    /// Gathered non-blocking send of <paramref name="segments"/> (Linux <c>sendmsg(2)</c> with an iovec of the segments,
    /// <c>MSG_DONTWAIT | MSG_NOSIGNAL</c>): the bytes go out of the callers' own arrays (chunk headers in scratch, payload
    /// slices of the pooled media buffers) without being copied into one buffer first. Returns the bytes the kernel took
    /// now, in order from the first segment: 0 when none (would block, an error, unsupported), less than the total when
    /// it took part (the caller resumes after them, possibly in the middle of a segment).
    /// </summary>
    public static int TrySend(Socket socket, List<ArraySegment<byte>> segments)
    {
        if (s_unsupported || segments.Count == 0)
            return 0;
        var handle = socket.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var fd = (int)handle.DangerousGetHandle();
            var sent = 0;
            for (var first = 0; first < segments.Count; first += MaxVectors)
            {
                var count = Math.Min(MaxVectors, segments.Count - first);
                var window = CollectionsMarshal.AsSpan(segments).Slice(first, count);
                var taken = SendWindow(fd, window, out var windowBytes);
                sent += taken;
                if (taken < windowBytes)
                    break; // the kernel's buffer is full: the rest waits for the caller's async send
            }
            return sent;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            s_unsupported = true;
            return 0;
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }
        finally
        {
            if (added)
                handle.DangerousRelease();
        }
    }

    /// <summary>
    /// One <c>sendmsg</c> of at most <see cref="MaxVectors"/> segments. The arrays are pinned for the call: with
    /// <c>fixed</c> when they are at most four different arrays (a wake-up's usual output: one scratch block and one
    /// or two payloads), else with a pinned handle per segment.
    /// </summary>
    private static unsafe int SendWindow(int fd, ReadOnlySpan<ArraySegment<byte>> window, out int windowBytes)
    {
        byte[]? a0 = null, a1 = null, a2 = null, a3 = null;
        var few = true;
        windowBytes = 0;
        foreach (var segment in window)
        {
            windowBytes += segment.Count;
            var array = segment.Array;
            if (array == a0 || array == a1 || array == a2 || array == a3)
                continue;
            if (a0 is null) a0 = array;
            else if (a1 is null) a1 = array;
            else if (a2 is null) a2 = array;
            else if (a3 is null) a3 = array;
            else few = false;
        }
        var vectors = stackalloc IoVector[window.Length];
        if (few)
        {
            fixed (byte* p0 = a0, p1 = a1, p2 = a2, p3 = a3)
            {
                for (var i = 0; i < window.Length; i++)
                {
                    var array = window[i].Array;
                    var start = array == a0 ? p0 : array == a1 ? p1 : array == a2 ? p2 : p3;
                    vectors[i] = new IoVector(start + window[i].Offset, window[i].Count);
                }
                return SendVectors(fd, vectors, window.Length);
            }
        }
        var handles = new GCHandle[window.Length];
        try
        {
            for (var i = 0; i < window.Length; i++)
            {
                handles[i] = GCHandle.Alloc(window[i].Array, GCHandleType.Pinned);
                vectors[i] = new IoVector((byte*)handles[i].AddrOfPinnedObject() + window[i].Offset, window[i].Count);
            }
            return SendVectors(fd, vectors, window.Length);
        }
        finally
        {
            foreach (var pinned in handles)
            {
                if (pinned.IsAllocated)
                    pinned.Free();
            }
        }
    }

    private static unsafe int SendVectors(int fd, IoVector* vectors, int count)
    {
        var message = new MessageHeader { Vectors = vectors, VectorCount = (nuint)count };
        var sent = SendMessage(fd, &message, MsgDontWait | MsgNoSignal);
        return sent > 0 ? (int)sent : 0;
    }

    /// <summary><c>struct iovec</c> (sys/uio.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly unsafe struct IoVector(byte* start, int length)
    {
        public readonly byte* Start = start;
        public readonly nuint Length = (nuint)length;
    }

    /// <summary><c>struct msghdr</c> (sys/socket.h, 64-bit Linux: natural alignment gives its padding).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct MessageHeader
    {
        public void* Name;
        public uint NameLength;
        public IoVector* Vectors;
        public nuint VectorCount;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [LibraryImport("libc", EntryPoint = "sendmsg")]
    private static unsafe partial nint SendMessage(int fd, MessageHeader* message, int flags);
}

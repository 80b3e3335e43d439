using CallMedia.Media;

namespace CallMedia.Rtmp.Session;

/// <summary>
/// The receive buffers a <see cref="SocketInput"/> left while messages parsed in place (<see cref="MediaBuffer.Slice"/>s
/// of them) still held them. Each is kept with one reference of the input's, so the input can tell how many bytes its
/// slices pin and when a buffer is free (only that reference left: no slice can be taken of it again). Not thread-safe:
/// the input's reader only.
/// </summary>
internal sealed class RetiredBuffers
{
    private readonly List<MediaBuffer> _buffers = [];

    /// <summary>Bytes of the retired buffers still held by slices (as of the last <see cref="Retire"/> or <see cref="FreeUnshared"/>).</summary>
    public int Bytes { get; private set; }

    /// <summary>
    /// Takes over the caller's reference on <paramref name="buffer"/>: released at once when nothing else holds it,
    /// else kept and counted in <see cref="Bytes"/> until its slices are gone.
    /// </summary>
    public void Retire(MediaBuffer buffer)
    {
        if (!buffer.IsShared)
        {
            buffer.Release();
            return;
        }
        _buffers.Add(buffer);
        Bytes += buffer.Array.Length;
    }

    /// <summary>Releases the retired buffers no slice holds any more; returns <see cref="Bytes"/> of those still held.</summary>
    public int FreeUnshared()
    {
        for (var i = _buffers.Count - 1; i >= 0; i--)
        {
            var buffer = _buffers[i];
            if (buffer.IsShared)
                continue;
            Bytes -= buffer.Array.Length;
            _buffers.RemoveAt(i);
            buffer.Release();
        }
        return Bytes;
    }

    /// <summary>Gives up every reference kept here (the input closes); slices still alive keep their buffers until they go.</summary>
    public void ReleaseAll()
    {
        foreach (var buffer in _buffers)
            buffer.Release();
        _buffers.Clear();
        Bytes = 0;
    }
}

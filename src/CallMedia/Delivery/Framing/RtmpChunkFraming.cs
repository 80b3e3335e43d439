using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using CallMedia.Rtmp.Chunks;

namespace CallMedia.Delivery.Framing;

/// <summary>
/// RTMP chunk framing (RTMP spec §5.3) onto a socket: chunk headers and payloads into one contiguous output
/// (<see cref="ChunkOutput"/>), sent with one non-blocking send per flush (<see cref="FlushAsync"/>). Media items
/// go on the audio/data/video chunk streams of the viewer's play stream (<see cref="PlayStreamId"/>); control items
/// carry their own chunk stream and message stream ids. A video message larger than the room goes out a few chunks
/// at a time (§5.3.2: chunks of different chunk streams interleave).
/// </summary>
internal sealed class RtmpChunkFraming(Socket socket) : IFraming
{
    /// <summary>Chunk stream of protocol control messages (RTMP spec §5.4).</summary>
    public const int ProtocolChunkStream = 2;
    /// <summary>Chunk stream of command replies.</summary>
    public const int CommandChunkStream = 3;
    public const int AudioChunkStream = 4;
    public const int DataChunkStream = 5;
    public const int VideoChunkStream = 6;

    private readonly ChunkWriter _out = new();
    private readonly ChunkOutput _output = new();
    private DeliveryItem _partialItem;
    private ChunkWriter.PartialMessage _partial;
    private int _connectionChunkSize = ChunkReader.DefaultChunkSize;
    private int _ackWindow = LinkEstimator.LargeAckWindowBytes; // as the connection's own Window Acknowledgement Size items set it

    /// <summary>The message stream id of the viewer's <c>play</c> (media items go there).</summary>
    public uint PlayStreamId { get; set; }

    public bool CanSplit => true;

    public bool HasPartial { get; private set; }

    public int PendingBytes => _output.TotalBytes;

    public int PartialRemainingBytes => HasPartial ? _partial.Payload.Count - _partial.Offset : 0;

    public int PieceBytes => _out.ChunkSize;

    /// <summary>
    /// The chunk size while the pipe budget cannot hold two chunks of the connection's size (a viewer just started, or on a
    /// slow link): a 4 KiB chunk is 200 ms of a 160 kbit/s link, all of it ahead of the next audio message.
    /// </summary>
    public const int SmallChunkSize = 1024;

    /// <summary>The budget from which the connection's chunk size is used again.</summary>
    private const int LargeChunkBudgetBytes = 16 * 1024;

    /// <summary>
    /// Switches between <see cref="SmallChunkSize"/> and the connection's chunk size (announced with Set Chunk Size,
    /// RTMP spec §5.4.1, which applies from the next chunk) as the budget falls below two chunks or rises past 16 KiB;
    /// never while a message is sent in parts.
    /// </summary>
    public void AdaptTo(int budgetBytes)
    {
        if (HasPartial || _connectionChunkSize <= SmallChunkSize)
            return;
        var size = _out.ChunkSize;
        if (size > SmallChunkSize && budgetBytes < 2 * size)
            Announce(SmallChunkSize);
        else if (size == SmallChunkSize && budgetBytes >= LargeChunkBudgetBytes)
            Announce(_connectionChunkSize);
    }

    private void Announce(int size)
    {
        WriteControl(RtmpMessageType.SetChunkSize, (uint)size);
        _out.ChunkSize = size;
    }

    public bool AnnounceAckWindow(int windowBytes)
    {
        if (windowBytes == _ackWindow)
            return false;
        WriteControl(RtmpMessageType.WindowAckSize, (uint)windowBytes);
        _ackWindow = windowBytes;
        return true;
    }

    private void WriteControl(RtmpMessageType type, uint value)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, value);
        _out.Write(_output, ProtocolChunkStream, type, 0, 0, new ArraySegment<byte>(payload));
    }

    public int Write(in DeliveryItem item)
    {
        var (csid, streamId) = Route(item);
        _out.Write(_output, csid, (RtmpMessageType)item.MessageType, item.Timestamp, streamId, item.Payload.Segment(0, item.Payload.Length));
        if (item.IsControl && item.MessageType == (byte)RtmpMessageType.SetChunkSize)
            _out.ChunkSize = _connectionChunkSize = (int)BinaryPrimitives.ReadUInt32BigEndian(item.Payload.Span);
        else if (item.IsControl && item.MessageType == (byte)RtmpMessageType.WindowAckSize)
            _ackWindow = (int)BinaryPrimitives.ReadUInt32BigEndian(item.Payload.Span);
        return item.Payload.Length;
    }

    public bool BeginPartial(in DeliveryItem item, int maxBytes)
    {
        var (csid, streamId) = Route(item);
        _partial = _out.Begin(_output, csid, (RtmpMessageType)item.MessageType, item.Timestamp, streamId,
            item.Payload.Segment(0, item.Payload.Length), Math.Max(maxBytes, 1));
        if (_partial.Done)
            return true;
        _partialItem = item;
        HasPartial = true;
        return false;
    }

    public int ContinuePartial(int maxBytes, out DeliveryItem? finished)
    {
        finished = null;
        var before = _partial.Offset;
        _out.Continue(_output, ref _partial, Math.Max(maxBytes, 1));
        if (_partial.Done)
        {
            finished = _partialItem;
            _partialItem = default;
            HasPartial = false;
        }
        return _partial.Offset - before;
    }

    /// <summary>
    /// Sends the framed chunks (headers and payloads, already one contiguous run in <see cref="ChunkOutput"/>: a few KiB
    /// per wake-up) with one non-blocking <c>send</c> on this thread (<see cref="NonBlockingSend"/>); only what the kernel
    /// did not take at once goes through the socket's async send, from a pooled array holding that rest (handed over by
    /// the output, returned when that send ends). Cheaper than the
    /// gathered async send it replaces (the socket engine pinned every segment, copied the segment list and allocated a
    /// task per send), and than gathering the headers and payloads at flush time (a list of segments per viewer, a
    /// second pass over the bytes, a pool round trip per flush).
    /// </summary>
    public ValueTask<bool> FlushAsync(CancellationToken cancellationToken)
    {
        var written = _output.Written;
        var sent = NonBlockingSend.TrySend(socket, written);
        if (sent == written.Length)
        {
            _output.Reset();
            return new ValueTask<bool>(true);
        }
        var buffer = _output.Detach(sent, out var length);
        return SendRestAsync(buffer, length);
    }

    private async ValueTask<bool> SendRestAsync(byte[] buffer, int length)
    {
        try
        {
            // Completes when all is sent (the socket engine waits for room); a failing socket throws here.
            await socket.SendAsync(buffer.AsMemory(0, length), SocketFlags.None).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return true;
    }

    public void Dispose()
    {
        if (HasPartial)
            _partialItem.Payload.Release();
        HasPartial = false;
        _output.Dispose();
    }

    private (int ChunkStream, uint StreamId) Route(in DeliveryItem item) =>
        item.IsControl ? (item.ChunkStreamId, item.StreamId) : item.MessageType switch
        {
            8 => (AudioChunkStream, PlayStreamId),
            9 => (VideoChunkStream, PlayStreamId),
            _ => (DataChunkStream, PlayStreamId),
        };
}

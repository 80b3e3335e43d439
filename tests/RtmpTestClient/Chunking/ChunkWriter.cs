using System.Buffers;
using System.Buffers.Binary;

namespace RtmpTestClient.Chunking;

/// <summary>
/// Splits messages into chunks (RTMP spec §5.3). Picks the smallest header the previous message on the same
/// chunk stream allows: type 0 for a new stream id or a timestamp going backwards, type 1 when length or type
/// change, type 2 when only the delta changes, type 3 when everything repeats. Timestamps ≥ 0xFFFFFF use the
/// extended timestamp field, which is repeated on type-3 continuation chunks (as FFmpeg and nginx-rtmp expect).
/// </summary>
public sealed class ChunkWriter
{
    private const uint MaxField = 0xFFFFFF;
    private readonly Dictionary<int, State> _states = [];

    /// <summary>Outgoing chunk size in bytes (default 128). Change it only together with a Set Chunk Size message.</summary>
    public int ChunkSize { get; set; } = 128;

    /// <summary>When false every message starts with a type-0 header (tests use it to cover all types).</summary>
    public bool CompressHeaders { get; set; } = true;

    /// <summary>Writes <paramref name="message"/> as one or more chunks.</summary>
    public void Write(IBufferWriter<byte> output, in RtmpMessage message)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(message.ChunkStreamId, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(message.ChunkStreamId, 65599);
        if (message.Payload.Length > MaxField)
            throw new ArgumentException("RTMP message length is limited to 24 bits.", nameof(message));

        var fmt = ChooseFormat(message, out var delta);
        var fieldValue = fmt == 0 ? message.Timestamp : delta;
        var extended = fieldValue >= MaxField;

        WriteBasicHeader(output, fmt, message.ChunkStreamId);
        WriteMessageHeader(output, fmt, message, extended ? MaxField : fieldValue);
        if (extended)
            WriteUInt32(output, fieldValue);

        var payload = message.Payload.Span;
        var first = Math.Min(ChunkSize, payload.Length);
        output.Write(payload[..first]);
        for (var offset = first; offset < payload.Length; offset += ChunkSize)
        {
            WriteBasicHeader(output, 3, message.ChunkStreamId);
            if (extended)
                WriteUInt32(output, fieldValue);
            output.Write(payload.Slice(offset, Math.Min(ChunkSize, payload.Length - offset)));
        }

        _states[message.ChunkStreamId] = new State(message.StreamId, message.Payload.Length, message.TypeId,
            message.Timestamp, fmt == 0 ? null : delta);
    }

    private int ChooseFormat(in RtmpMessage message, out uint delta)
    {
        delta = 0;
        if (!CompressHeaders || !_states.TryGetValue(message.ChunkStreamId, out var last) ||
            last.StreamId != message.StreamId || message.Timestamp < last.Timestamp)
            return 0;
        delta = message.Timestamp - last.Timestamp;
        if (last.Length != message.Payload.Length || last.TypeId != message.TypeId)
            return 1;
        // A type-3 header for a new message repeats the previous delta; after a type-0 header that delta is
        // ambiguous between implementations, so only reuse an explicit one.
        return last.Delta == delta ? 3 : 2;
    }

    private static void WriteBasicHeader(IBufferWriter<byte> output, int fmt, int csid)
    {
        var span = output.GetSpan(3);
        if (csid < 64)
        {
            span[0] = (byte)((fmt << 6) | csid);
            output.Advance(1);
        }
        else if (csid < 320)
        {
            span[0] = (byte)(fmt << 6);
            span[1] = (byte)(csid - 64);
            output.Advance(2);
        }
        else
        {
            span[0] = (byte)((fmt << 6) | 1);
            span[1] = (byte)((csid - 64) & 0xFF);
            span[2] = (byte)((csid - 64) >> 8);
            output.Advance(3);
        }
    }

    private static void WriteMessageHeader(IBufferWriter<byte> output, int fmt, in RtmpMessage message, uint timestampField)
    {
        if (fmt == 3)
            return;
        var span = output.GetSpan(11);
        WriteUInt24(span, timestampField);
        if (fmt == 2)
        {
            output.Advance(3);
            return;
        }
        WriteUInt24(span[3..], (uint)message.Payload.Length);
        span[6] = message.TypeId;
        if (fmt == 1)
        {
            output.Advance(7);
            return;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(span[7..], message.StreamId); // the one little-endian field
        output.Advance(11);
    }

    private static void WriteUInt24(Span<byte> span, uint value)
    {
        span[0] = (byte)(value >> 16);
        span[1] = (byte)(value >> 8);
        span[2] = (byte)value;
    }

    private static void WriteUInt32(IBufferWriter<byte> output, uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(output.GetSpan(4), value);
        output.Advance(4);
    }

    private readonly record struct State(uint StreamId, int Length, byte TypeId, uint Timestamp, uint? Delta);
}

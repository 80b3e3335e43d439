using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CallMedia.Rtmp.Chunks;

/// <summary>
/// Splits outgoing messages into chunks (RTMP spec §5.3), choosing the most compact header type the
/// previous message on the same chunk stream allows, and writing the extended timestamp on every chunk
/// of a message that needs it (fmt 3 continuations included, as FFmpeg and librtmp expect).
/// </summary>
internal sealed class ChunkWriter
{
    /// <summary>The previous message's header on one chunk stream (what the next header may leave out).</summary>
    private struct LastHeader
    {
        public bool Known;
        public uint Timestamp;
        public uint Delta;
        public bool DeltaValid;
        public int Length;
        public RtmpMessageType Type;
        public uint StreamId;
    }

    /// <summary>
    /// Chunk streams with one-byte ids (2–63: every stream the relay writes), held in the array itself and looked up by
    /// index on every message: one cache line of a writer that went cold since its last message, not an array of
    /// references and an object per chunk stream behind it.
    /// </summary>
    private readonly LastHeader[] _lowLast = new LastHeader[LowChunkStreams];
    private readonly Dictionary<int, LastHeader> _highLast = new();
    private const int LowChunkStreams = 64;

    public int ChunkSize { get; set; } = ChunkReader.DefaultChunkSize;

    /// <summary>Appends <paramref name="payload"/> as chunks (headers and payload bytes) to <paramref name="output"/>.</summary>
    public void Write(ChunkOutput output, int csid, RtmpMessageType type, uint timestamp, uint streamId, ArraySegment<byte> payload)
    {
        var message = Begin(output, csid, type, timestamp, streamId, payload, int.MaxValue);
        Continue(output, ref message, int.MaxValue);
    }

    /// <summary>
    /// Writes the message header and first chunks, up to about <paramref name="maxBytes"/> of payload (at least one
    /// chunk). The rest goes out with <see cref="Continue"/>; chunks of messages on other chunk streams may be
    /// written in between (RTMP spec §5.3.2: chunks of different chunk streams interleave).
    /// </summary>
    public PartialMessage Begin(ChunkOutput output, int csid, RtmpMessageType type, uint timestamp, uint streamId, ArraySegment<byte> payload, int maxBytes)
    {
        var length = payload.Count;
        int fmt;
        uint field;
        ref var last = ref csid < LowChunkStreams && csid >= 0
            ? ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_lowLast), csid) // in bounds: 0 <= csid < the array's length
            : ref CollectionsMarshal.GetValueRefOrAddDefault(_highLast, csid, out _);
        if (!last.Known)
        {
            last.Known = true;
            fmt = 0;
        }
        else if (last.StreamId != streamId || timestamp < last.Timestamp)
            fmt = 0;
        else if (last.Length != length || last.Type != type)
            fmt = 1;
        else if (last.DeltaValid && timestamp - last.Timestamp == last.Delta)
            fmt = 3;
        else
            fmt = 2;

        field = fmt == 0 ? timestamp : timestamp - last.Timestamp;
        if (fmt == 3)
            field = last.Delta;
        last.DeltaValid = fmt != 0;
        last.Delta = fmt == 0 ? 0 : field;
        last.Timestamp = timestamp;
        last.Length = length;
        last.Type = type;
        last.StreamId = streamId;

        var extended = field >= 0xFFFFFF;
        var span = output.GetSpan(18);
        var n = WriteBasicHeader(span, fmt, csid);
        if (fmt <= 2)
        {
            WriteUInt24(span[n..], extended ? 0xFFFFFF : field);
            n += 3;
        }
        if (fmt <= 1)
        {
            WriteUInt24(span[n..], (uint)length);
            span[n + 3] = (byte)type;
            n += 4;
        }
        if (fmt == 0)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span[n..], streamId);
            n += 4;
        }
        if (extended)
        {
            BinaryPrimitives.WriteUInt32BigEndian(span[n..], field);
            n += 4;
        }
        output.Advance(n);

        var message = new PartialMessage(csid, payload, extended, field);
        var body = Math.Min(ChunkSize, length);
        output.AddPayload(new ArraySegment<byte>(payload.Array!, payload.Offset, body));
        message.Offset = body;
        var rest = maxBytes - body;
        if (rest >= Math.Min(ChunkSize, length - body))
            Continue(output, ref message, rest);
        return message;
    }

    /// <summary>Writes further chunks of <paramref name="message"/>, whole chunks within <paramref name="maxBytes"/> (at least one chunk unless done).</summary>
    public void Continue(ChunkOutput output, ref PartialMessage message, int maxBytes)
    {
        var written = 0;
        var length = message.Payload.Count;
        while (message.Offset < length && (written == 0 || written + Math.Min(ChunkSize, length - message.Offset) <= maxBytes))
        {
            var span = output.GetSpan(7);
            var n = WriteBasicHeader(span, 3, message.ChunkStreamId);
            if (message.Extended)
            {
                BinaryPrimitives.WriteUInt32BigEndian(span[n..], message.ExtendedField);
                n += 4;
            }
            output.Advance(n);
            var body = Math.Min(ChunkSize, length - message.Offset);
            output.AddPayload(new ArraySegment<byte>(message.Payload.Array!, message.Payload.Offset + message.Offset, body));
            message.Offset += body;
            written += body;
        }
    }

    /// <summary>A message whose chunks are being written: where the next chunk starts.</summary>
    internal struct PartialMessage(int chunkStreamId, ArraySegment<byte> payload, bool extended, uint extendedField)
    {
        public readonly int ChunkStreamId = chunkStreamId;
        public readonly ArraySegment<byte> Payload = payload;
        public readonly bool Extended = extended;
        public readonly uint ExtendedField = extendedField;
        public int Offset;

        public readonly bool Done => Offset >= Payload.Count;
    }

    internal static int WriteBasicHeader(Span<byte> span, int fmt, int csid)
    {
        if (csid < 64)
        {
            span[0] = (byte)(fmt << 6 | csid);
            return 1;
        }
        if (csid < 320)
        {
            span[0] = (byte)(fmt << 6);
            span[1] = (byte)(csid - 64);
            return 2;
        }
        span[0] = (byte)(fmt << 6 | 1);
        span[1] = (byte)((csid - 64) & 0xFF);
        span[2] = (byte)((csid - 64) >> 8);
        return 3;
    }

    internal static void WriteUInt24(Span<byte> span, uint value)
    {
        span[0] = (byte)(value >> 16);
        span[1] = (byte)(value >> 8);
        span[2] = (byte)value;
    }
}

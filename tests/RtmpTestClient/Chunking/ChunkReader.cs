using System.Buffers;
using System.Buffers.Binary;

namespace RtmpTestClient.Chunking;

/// <summary>
/// Reassembles messages from chunks (RTMP spec §5.3) with per-chunk-stream header state. Feed it a
/// <see cref="SequenceReader{T}"/>; each complete chunk is consumed and remembered, so the caller advances its
/// pipe to <c>reader.Position</c> whether or not a message came out. Extended timestamps are read on type-3
/// chunks whenever the last type 0/1/2 header of that chunk stream had one. A type-0 header resets the delta
/// that a later type-3 new message repeats to 0 (nginx-rtmp and FFmpeg agree on that).
/// </summary>
public sealed class ChunkReader
{
    private const uint MaxField = 0xFFFFFF;
    private readonly Dictionary<int, State> _states = [];

    /// <summary>Incoming chunk size; apply a received Set Chunk Size here before reading the next chunk.</summary>
    public int ChunkSize { get; set; } = 128;

    /// <summary>Largest message accepted; a longer one throws <see cref="InvalidDataException"/>. Default 16 MiB.</summary>
    public int MaxMessageLength { get; set; } = 16 << 20;

    /// <summary>Drops the partly received message on <paramref name="chunkStreamId"/> (Abort Message).</summary>
    public void Abort(int chunkStreamId)
    {
        if (_states.TryGetValue(chunkStreamId, out var state))
        {
            state.Payload = null;
            state.Received = 0;
        }
    }

    /// <summary>
    /// Reads chunks until a message completes (true) or the data ends inside a chunk (false; the reader is left
    /// at the start of that chunk). Throws <see cref="InvalidDataException"/> on protocol violations.
    /// </summary>
    public bool TryRead(ref SequenceReader<byte> reader, out RtmpMessage message)
    {
        while (true)
        {
            var consumedBefore = reader.Consumed;
            var result = TryReadChunk(ref reader, out message);
            if (result == ChunkResult.NeedMore)
            {
                reader.Rewind(reader.Consumed - consumedBefore);
                return false;
            }
            if (result == ChunkResult.Message)
                return true;
        }
    }

    private ChunkResult TryReadChunk(ref SequenceReader<byte> reader, out RtmpMessage message)
    {
        message = default;
        if (!reader.TryRead(out var b0))
            return ChunkResult.NeedMore;
        var fmt = b0 >> 6;
        int csid = b0 & 0x3F;
        if (csid == 0)
        {
            if (!reader.TryRead(out var b1))
                return ChunkResult.NeedMore;
            csid = 64 + b1;
        }
        else if (csid == 1)
        {
            if (!reader.TryRead(out var b1) || !reader.TryRead(out var b2))
                return ChunkResult.NeedMore;
            csid = 64 + b1 + (b2 << 8);
        }

        var known = _states.TryGetValue(csid, out var previous);
        if (fmt != 0 && !known)
            throw new InvalidDataException($"Chunk type {fmt} on chunk stream {csid} without a previous header.");
        var headerLength = fmt switch { 0 => 11, 1 => 7, 2 => 3, _ => 0 };
        if (reader.Remaining < headerLength)
            return ChunkResult.NeedMore;
        Span<byte> header = stackalloc byte[11];
        reader.TryCopyTo(header[..headerLength]);
        reader.Advance(headerLength);

        var state = previous ?? new State();
        uint field = fmt < 3 ? ReadUInt24(header) : 0;
        var extended = fmt < 3 ? field == MaxField : state.Extended;
        if (extended)
        {
            if (!reader.TryReadBigEndian(out int ext))
                return ChunkResult.NeedMore;
            field = (uint)ext;
        }

        var startsMessage = state.Payload is null;
        var length = fmt <= 1 ? (int)ReadUInt24(header[3..]) : state.Length;
        var chunkLength = Math.Min(ChunkSize, (startsMessage ? length : state.Length - state.Received));
        if (reader.Remaining < chunkLength)
            return ChunkResult.NeedMore;

        // The chunk is complete: commit its header to the chunk stream's state.
        if (!known)
            _states[csid] = state;
        if (fmt < 3)
        {
            if (!startsMessage)
                throw new InvalidDataException($"Chunk type {fmt} on chunk stream {csid} in the middle of a message.");
            state.Extended = extended;
            if (fmt <= 1)
            {
                state.Length = length;
                state.TypeId = header[6];
            }
            if (fmt == 0)
            {
                state.StreamId = BinaryPrimitives.ReadUInt32LittleEndian(header[7..]);
                state.Timestamp = field;
                state.Delta = 0;
            }
            else
            {
                state.Delta = field;
                state.Timestamp += field;
            }
        }
        else if (startsMessage)
        {
            state.Timestamp += state.Delta;
        }

        if (startsMessage)
        {
            if (state.Length > MaxMessageLength)
                throw new InvalidDataException($"Message length {state.Length} exceeds {MaxMessageLength}.");
            state.Payload = new byte[state.Length];
            state.Received = 0;
        }
        reader.TryCopyTo(state.Payload.AsSpan(state.Received, chunkLength));
        reader.Advance(chunkLength);
        state.Received += chunkLength;
        if (state.Received < state.Length)
            return ChunkResult.Chunk;

        message = new RtmpMessage(csid, state.TypeId, state.StreamId, state.Timestamp, state.Payload);
        state.Payload = null;
        state.Received = 0;
        return ChunkResult.Message;
    }

    private static uint ReadUInt24(ReadOnlySpan<byte> span) => (uint)((span[0] << 16) | (span[1] << 8) | span[2]);

    private enum ChunkResult { NeedMore, Chunk, Message }

    private sealed class State
    {
        public uint Timestamp;
        public uint Delta;
        public int Length;
        public byte TypeId;
        public uint StreamId;
        public bool Extended;
        public byte[]? Payload;
        public int Received;
    }
}

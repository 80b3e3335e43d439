using System.Buffers;
using System.Buffers.Binary;
using CallMedia.Media;
using CallMedia.Rtmp.Protocol;

namespace CallMedia.Rtmp.Chunks;

/// <summary>
/// Reassembles RTMP messages from the chunk stream (RTMP spec §5.3). Stateful per connection.
/// <c>TryRead</c> consumes whole chunks only: when a chunk is incomplete it leaves the reader
/// where that chunk starts and returns false, so any split of the input yields the same messages.
/// A message that arrives in one chunk is taken in place: its payload is a slice of the connection's receive buffer
/// (<see cref="ReadFrom"/>), not a copy; a message in several chunks is reassembled into a pooled
/// <see cref="MediaBuffer"/>, the only copy it gets on its way through the relay.
/// </summary>
internal sealed class ChunkReader(int maxMessageLength) : IDisposable
{
    /// <summary>Default incoming chunk size until the peer sends Set Chunk Size (RTMP spec §5.4.1).</summary>
    public const int DefaultChunkSize = 128;

    /// <summary>The largest chunk size accepted (RTMP spec allows 2^31-1; we bound memory per connection).</summary>
    public const int MaxChunkSize = 65536;

    /// <summary>Chunk stream ids one connection may use (real clients use 2–6). Bounds per-connection state.</summary>
    public const int MaxChunkStreams = 64;

    /// <summary>
    /// Messages one connection may have half-received at once: each reserves a buffer of its announced length,
    /// so this and <see cref="MaxMessageLength"/> bound the memory a connection can pin.
    /// </summary>
    public const int MaxPartialMessages = 8;

    /// <summary>Chunk streams with one-byte ids (2–63: every real client), looked up by index on every chunk.</summary>
    private readonly ChunkStreamState?[] _lowStreams = new ChunkStreamState?[64];
    /// <summary>Chunk streams with two- and three-byte ids (64–65599).</summary>
    private readonly Dictionary<int, ChunkStreamState> _highStreams = new();
    private int _streamCount;
    private int _partialMessages;
    private MediaBuffer? _backing; // the pooled buffer the input lies in (ReadFrom), and where the input starts in it
    private int _backingStart;

    public int ChunkSize { get; private set; } = DefaultChunkSize;

    public int MaxMessageLength { get; } = maxMessageLength;

    /// <summary>Applies a Set Chunk Size from the peer; sizes outside 1..<see cref="MaxChunkSize"/> are rejected.</summary>
    public void SetChunkSize(uint size)
    {
        if (size == 0 || (size & 0x8000_0000) != 0)
            RtmpThrow.Reject(RtmpRejectReason.ChunkSizeInvalid, $"chunk size {size}");
        if (size > MaxChunkSize)
            RtmpThrow.Reject(RtmpRejectReason.ChunkSizeTooLarge, $"chunk size {size}");
        ChunkSize = (int)size;
    }

    /// <summary>Drops the partly received message on <paramref name="chunkStreamId"/> (Abort message, §5.4.2).</summary>
    public void Abort(uint chunkStreamId)
    {
        if (chunkStreamId <= 65599 && Find((int)chunkStreamId) is { Partial: not null } state)
        {
            state.DiscardPartial();
            _partialMessages--;
        }
    }

    /// <summary>
    /// The input of the next <c>TryRead</c> calls starts at <paramref name="start"/> of
    /// <paramref name="buffer"/>'s array (the reader runs over exactly those bytes): single-chunk messages are then
    /// slices of it (<see cref="MediaBuffer.Slice"/>), whose bytes the owner of <paramref name="buffer"/> must not
    /// overwrite while they live. Null: every payload is copied. Call with null after parsing (nothing held).
    /// </summary>
    public void ReadFrom(MediaBuffer? buffer, int start)
    {
        _backing = buffer;
        _backingStart = start;
    }

    /// <summary>
    /// Reads chunks until one message completes (true) or the input runs out mid-chunk (false, nothing of
    /// the incomplete chunk consumed). The caller owns the returned message's payload reference.
    /// A sequence in several segments is parsed from a contiguous copy of its unread bytes (tests split input so;
    /// the relay's input is one buffer and uses <see cref="TryRead(ReadOnlySpan{byte}, ref int, out RtmpMessage)"/>).
    /// </summary>
    public bool TryRead(ref SequenceReader<byte> reader, out RtmpMessage message)
    {
        var unread = reader.UnreadSpan;
        if (unread.Length < reader.Remaining)
            unread = reader.UnreadSequence.ToArray();
        var position = 0;
        var found = TryRead(unread, checked((int)reader.Consumed), ref position, out message);
        reader.Advance(position);
        return found;
    }

    /// <summary>
    /// <see cref="TryRead(ref SequenceReader{byte}, out RtmpMessage)"/> over contiguous input: reads chunks from
    /// <paramref name="position"/> of <paramref name="input"/> (the input <see cref="ReadFrom"/> named starts at its
    /// index 0) and moves <paramref name="position"/> past the whole chunks it consumed.
    /// </summary>
    public bool TryRead(ReadOnlySpan<byte> input, ref int position, out RtmpMessage message) =>
        TryRead(input, 0, ref position, out message);

    // input's index 0 lies inputOffset bytes into the input ReadFrom named (where in-place payloads are sliced from).
    private bool TryRead(ReadOnlySpan<byte> input, int inputOffset, ref int position, out RtmpMessage message)
    {
        while (true)
        {
            if (!TryReadChunk(input, inputOffset, ref position, out var completed, out message))
                return false;
            if (completed)
                return true;
        }
    }

    /// <summary>
    /// One chunk from <paramref name="position"/>: false (and <paramref name="position"/> unchanged) when it is not
    /// all there; true with <paramref name="position"/> after it, and <paramref name="completed"/> when it ended a message.
    /// Reads the header fields straight from <paramref name="input"/> (no copy of the header, no segment bookkeeping).
    /// </summary>
    private bool TryReadChunk(ReadOnlySpan<byte> input, int inputOffset, ref int position, out bool completed, out RtmpMessage message)
    {
        completed = false;
        message = default;
        var p = position;
        if (p >= input.Length)
            return false;
        int b0 = input[p++];
        var fmt = b0 >> 6;
        int csid = b0 & 0x3F;
        if (csid == 0)
        {
            if (p >= input.Length) return false;
            csid = 64 + input[p++];
        }
        else if (csid == 1)
        {
            if (input.Length - p < 2) return false;
            csid = 64 + input[p] + (input[p + 1] << 8);
            p += 2;
        }

        var state = Find(csid);
        if (fmt != 0 && (state is null || !state.HasHeader))
            Reject(RtmpRejectReason.MissingPreviousHeader, "fmt {0} on new chunk stream {1}", fmt, csid);

        int headerLength = fmt switch { 0 => 11, 1 => 7, 2 => 3, _ => 0 };
        if (input.Length - p < headerLength)
            return false;
        var h = input.Slice(p, headerLength);
        p += headerLength;

        uint tsField = state?.TimestampField ?? 0;
        int length = state?.Length ?? 0;
        var type = state?.Type ?? 0;
        uint streamId = state?.StreamId ?? 0;
        bool extended = state?.Extended ?? false;
        if (fmt <= 2)
        {
            tsField = (uint)(h[0] << 16 | h[1] << 8 | h[2]);
            extended = tsField == 0xFFFFFF;
        }
        if (fmt <= 1)
        {
            length = h[3] << 16 | h[4] << 8 | h[5];
            type = (RtmpMessageType)h[6];
        }
        if (fmt == 0)
            streamId = BinaryPrimitives.ReadUInt32LittleEndian(h[7..11]);

        bool continuation = state?.Partial is not null;
        if (continuation && fmt != 3)
            Reject(RtmpRejectReason.MessageLengthChanged, "fmt {0} header inside a message on chunk stream {1}", fmt, csid);

        if (extended)
        {
            if (input.Length - p < 4)
                return false;
            var ext = BinaryPrimitives.ReadUInt32BigEndian(input.Slice(p, 4));
            if (fmt == 3 && continuation && ext != tsField)
            {
                // this peer omits the extended field on continuation chunks (allowed reading of the spec): not consumed
            }
            else
            {
                p += 4;
                if (fmt <= 2 || !continuation)
                    tsField = ext;
            }
        }

        if (length > MaxMessageLength)
            Reject(RtmpRejectReason.MessageTooLong, "message length {0}", length);

        int received = continuation ? state!.Received : 0;
        int body = Math.Min(ChunkSize, length - received);
        if (input.Length - p < body)
            return false;

        // Whole chunk available: commit header state.
        if (state is null)
        {
            if (_streamCount >= MaxChunkStreams)
                Reject(RtmpRejectReason.TooManyChunkStreams, "more than {0} chunk streams", MaxChunkStreams);
            state = new ChunkStreamState();
            if (csid < _lowStreams.Length)
                _lowStreams[csid] = state;
            else
                _highStreams[csid] = state;
            _streamCount++;
        }
        if (!continuation)
        {
            if (body < length && _partialMessages >= MaxPartialMessages)
                Reject(RtmpRejectReason.TooManyChunkStreams, "more than {0} messages in progress", MaxPartialMessages);
            state.Timestamp = fmt == 0 ? tsField : unchecked(state.Timestamp + tsField);
            state.TimestampField = tsField;
            state.Length = length;
            state.Type = type;
            state.StreamId = streamId;
            state.Extended = extended;
            state.HasHeader = true;
            state.Received = 0;
            if (body == length && _backing is not null)
            {
                // The whole message in this chunk: its payload is the chunk's body in the receive buffer, not a copy.
                var payload = MediaBuffer.Slice(_backing, _backingStart + inputOffset + p, body);
                position = p + body;
                message = new RtmpMessage(csid, type, state.Timestamp, streamId, payload);
                completed = true;
                return true;
            }
            state.Partial = MediaBuffer.Rent(length);
            if (body < length)
                _partialMessages++;
        }

        input.Slice(p, body).CopyTo(state.Partial!.Array.AsSpan(state.Received, body));
        position = p + body;
        state.Received += body;
        if (state.Received < state.Length)
            return true;

        message = new RtmpMessage(csid, state.Type, state.Timestamp, state.StreamId, state.Partial!);
        if (state.Received > body)
            _partialMessages--;
        state.Partial = null;
        state.Received = 0;
        completed = true;
        return true;
    }

    /// <summary>
    /// Rejects the connection (<see cref="RtmpThrow.Reject"/>) with a detail formatted here, not at the call site: the
    /// parser's frame then holds no string-building state, which it would zero on every chunk.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void Reject(RtmpRejectReason reason, string format, int first, int second = 0) =>
        RtmpThrow.Reject(reason, string.Format(System.Globalization.CultureInfo.InvariantCulture, format, first, second));

    private ChunkStreamState? Find(int csid) =>
        csid < _lowStreams.Length ? _lowStreams[csid] : _highStreams.GetValueOrDefault(csid);

    public void Dispose()
    {
        foreach (var state in _lowStreams)
            state?.DiscardPartial();
        foreach (var state in _highStreams.Values)
            state.DiscardPartial();
        Array.Clear(_lowStreams);
        _highStreams.Clear();
        _streamCount = 0;
    }
}

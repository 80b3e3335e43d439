using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace RtmpTestClient.Flv;

/// <summary>
/// Reads FLV (spec v10.1 annex E): the file header, then tags each followed by a 4-byte PreviousTagSize.
/// The <c>TryRead*</c> parsers return false for "need more data" and leave the reader where it was.
/// </summary>
public static class FlvReader
{
    /// <summary>Length of the FLV header plus PreviousTagSize0.</summary>
    public const int HeaderLength = 9 + 4;

    private const int TagHeaderLength = 11;

    /// <summary>Reads the FLV header and PreviousTagSize0. Throws <see cref="InvalidDataException"/> on a bad signature.</summary>
    public static bool TryReadHeader(ref SequenceReader<byte> reader, out FlvHeader header)
    {
        header = default;
        if (reader.Remaining < HeaderLength)
            return false;
        Span<byte> bytes = stackalloc byte[HeaderLength];
        reader.TryCopyTo(bytes);
        if (bytes[0] != 'F' || bytes[1] != 'L' || bytes[2] != 'V')
            throw new InvalidDataException("Not an FLV stream: signature is not 'FLV'.");
        var dataOffset = BinaryPrimitives.ReadUInt32BigEndian(bytes[5..]);
        if (dataOffset < 9)
            throw new InvalidDataException($"FLV data offset {dataOffset} < 9.");
        if (reader.Remaining < dataOffset + 4)
            return false;
        header = new FlvHeader(bytes[3], (bytes[4] & 0x04) != 0, (bytes[4] & 0x01) != 0);
        reader.Advance(dataOffset + 4);
        return true;
    }

    /// <summary>
    /// Reads one tag and its trailing PreviousTagSize. Tags of other types than audio/video/script and
    /// encrypted (filtered) tags are returned as they are; callers skip what they do not want.
    /// The payload is copied, so it stays valid after the buffer is released.
    /// </summary>
    public static bool TryReadTag(ref SequenceReader<byte> reader, out FlvTag tag)
    {
        tag = default;
        if (reader.Remaining < TagHeaderLength)
            return false;
        Span<byte> head = stackalloc byte[TagHeaderLength];
        reader.TryCopyTo(head);
        var dataSize = (head[1] << 16) | (head[2] << 8) | head[3];
        if (reader.Remaining < TagHeaderLength + dataSize + 4)
            return false;
        var timestamp = (uint)((head[7] << 24) | (head[4] << 16) | (head[5] << 8) | head[6]);
        reader.Advance(TagHeaderLength);
        var payload = new byte[dataSize];
        reader.TryCopyTo(payload);
        reader.Advance(dataSize + 4);
        tag = new FlvTag((MediaKind)(head[0] & 0x1F), timestamp, payload);
        return true;
    }

    /// <summary>Reads a whole FLV file into memory.</summary>
    public static (FlvHeader Header, IReadOnlyList<FlvTag> Tags) ReadFile(string path)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(File.ReadAllBytes(path)));
        if (!TryReadHeader(ref reader, out var header))
            throw new InvalidDataException($"{path}: truncated FLV header.");
        var tags = new List<FlvTag>();
        while (TryReadTag(ref reader, out var tag))
            tags.Add(tag);
        return (header, tags);
    }

    /// <summary>
    /// Reads an FLV stream (an HTTP-FLV response body) as tags arrive. The header is reported through
    /// <paramref name="onHeader"/>; enumeration ends at end of stream (a truncated last tag is ignored).
    /// </summary>
    public static async IAsyncEnumerable<FlvTag> ReadAsync(
        PipeReader pipe, Action<FlvHeader>? onHeader = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var headerRead = false;
        var tags = new List<FlvTag>();
        while (true)
        {
            var result = await pipe.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var consumed = Parse(buffer, ref headerRead, tags, onHeader);
            pipe.AdvanceTo(consumed, buffer.End);
            foreach (var tag in tags)
                yield return tag;
            tags.Clear();
            if (result.IsCompleted || result.IsCanceled)
                break;
        }
        await pipe.CompleteAsync().ConfigureAwait(false);
    }

    private static SequencePosition Parse(
        ReadOnlySequence<byte> buffer, ref bool headerRead, List<FlvTag> tags, Action<FlvHeader>? onHeader)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (!headerRead)
        {
            if (!TryReadHeader(ref reader, out var header))
                return reader.Position;
            headerRead = true;
            onHeader?.Invoke(header);
        }
        while (TryReadTag(ref reader, out var tag))
            tags.Add(tag);
        return reader.Position;
    }

    /// <summary>Writes an FLV header (+ PreviousTagSize0) into <paramref name="output"/>.</summary>
    public static void WriteHeader(IBufferWriter<byte> output, bool hasAudio, bool hasVideo)
    {
        var span = output.GetSpan(HeaderLength);
        "FLV"u8.CopyTo(span);
        span[3] = 1;
        span[4] = (byte)((hasAudio ? 0x04 : 0) | (hasVideo ? 0x01 : 0));
        BinaryPrimitives.WriteUInt32BigEndian(span[5..], 9);
        BinaryPrimitives.WriteUInt32BigEndian(span[9..], 0);
        output.Advance(HeaderLength);
    }

    /// <summary>Writes one tag and its PreviousTagSize (used by tests to build FLV streams).</summary>
    public static void WriteTag(IBufferWriter<byte> output, FlvTag tag)
    {
        var size = tag.Payload.Length;
        var span = output.GetSpan(TagHeaderLength + size + 4);
        span[0] = (byte)tag.Kind;
        span[1] = (byte)(size >> 16);
        span[2] = (byte)(size >> 8);
        span[3] = (byte)size;
        span[4] = (byte)(tag.Timestamp >> 16);
        span[5] = (byte)(tag.Timestamp >> 8);
        span[6] = (byte)tag.Timestamp;
        span[7] = (byte)(tag.Timestamp >> 24);
        span[8] = span[9] = span[10] = 0;
        tag.Payload.Span.CopyTo(span[TagHeaderLength..]);
        BinaryPrimitives.WriteUInt32BigEndian(span[(TagHeaderLength + size)..], (uint)(TagHeaderLength + size));
        output.Advance(TagHeaderLength + size + 4);
    }
}

using System.Buffers.Binary;
using System.Text;
using CallMedia.Rtmp.Protocol;

namespace CallMedia.Rtmp.Amf0;

/// <summary>
/// AMF0 decoder over one complete message payload. Malformed input (truncation, unknown markers,
/// references, nesting deeper than <see cref="MaxDepth"/>) is rejected with
/// <see cref="RtmpRejectReason.MalformedAmf"/>.
/// </summary>
internal ref struct Amf0Reader(ReadOnlySpan<byte> data)
{
    public const int MaxDepth = 16;

    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly bool End => _position >= _data.Length;

    public readonly int Position => _position;

    public static List<object?> ReadAll(ReadOnlySpan<byte> data)
    {
        var reader = new Amf0Reader(data);
        var values = new List<object?>();
        while (!reader.End)
            values.Add(reader.ReadValue());
        return values;
    }

    public object? ReadValue() => ReadValue(0);

    private object? ReadValue(int depth)
    {
        if (depth > MaxDepth)
            RtmpThrow.Reject(RtmpRejectReason.MalformedAmf, "nesting too deep");
        var marker = (Amf0Marker)Take(1)[0];
        switch (marker)
        {
            case Amf0Marker.Number: return BinaryPrimitives.ReadDoubleBigEndian(Take(8));
            case Amf0Marker.Boolean: return Take(1)[0] != 0;
            case Amf0Marker.String: return ReadUtf8(BinaryPrimitives.ReadUInt16BigEndian(Take(2)));
            case Amf0Marker.LongString: return ReadUtf8(CheckedLength(BinaryPrimitives.ReadUInt32BigEndian(Take(4))));
            case Amf0Marker.XmlDocument: return ReadUtf8(CheckedLength(BinaryPrimitives.ReadUInt32BigEndian(Take(4))));
            case Amf0Marker.Null: return null;
            case Amf0Marker.Undefined:
            case Amf0Marker.Unsupported: return AmfUndefined.Instance;
            case Amf0Marker.Object: return ReadProperties(new AmfObject(), depth);
            case Amf0Marker.TypedObject:
                ReadUtf8(BinaryPrimitives.ReadUInt16BigEndian(Take(2)));
                return ReadProperties(new AmfObject(), depth);
            case Amf0Marker.EcmaArray:
                Take(4); // count is only a hint; the list ends with the object-end marker
                return ReadProperties(new AmfEcmaArray(), depth);
            case Amf0Marker.StrictArray:
                var count = CheckedLength(BinaryPrimitives.ReadUInt32BigEndian(Take(4)));
                var array = new object?[count];
                for (var i = 0; i < count; i++)
                    array[i] = ReadValue(depth + 1);
                return array;
            case Amf0Marker.Date:
                var ms = BinaryPrimitives.ReadDoubleBigEndian(Take(8));
                return new AmfDate(ms, BinaryPrimitives.ReadInt16BigEndian(Take(2)));
            default:
                RtmpThrow.Reject(RtmpRejectReason.MalformedAmf, $"unsupported marker 0x{(byte)marker:X2}");
                return null;
        }
    }

    private AmfObject ReadProperties(AmfObject target, int depth)
    {
        while (true)
        {
            var nameLength = BinaryPrimitives.ReadUInt16BigEndian(Take(2));
            if (nameLength == 0 && _position < _data.Length && _data[_position] == (byte)Amf0Marker.ObjectEnd)
            {
                _position++;
                return target;
            }
            var name = ReadUtf8(nameLength);
            target.Add(new KeyValuePair<string, object?>(name, ReadValue(depth + 1)));
        }
    }

    private int CheckedLength(uint length)
    {
        if (length > (uint)(_data.Length - _position))
            RtmpThrow.Reject(RtmpRejectReason.MalformedAmf, "length beyond payload");
        return (int)length;
    }

    private string ReadUtf8(int length) => Encoding.UTF8.GetString(Take(length));

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _data.Length - _position)
            RtmpThrow.Reject(RtmpRejectReason.MalformedAmf, "truncated value");
        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }
}

using System.Buffers.Binary;
using System.Text;

namespace RtmpTestClient.Amf;

/// <summary>
/// Decodes AMF0 values from one complete message body. Malformed or truncated input throws
/// <see cref="InvalidDataException"/>; unsupported markers (reference, XML, AVM+) too.
/// </summary>
public ref struct Amf0Reader
{
    private const int MaxDepth = 32;
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    /// <summary>Creates a reader over <paramref name="data"/>.</summary>
    public Amf0Reader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    /// <summary>True while unread bytes remain.</summary>
    public readonly bool HasMore => _position < _data.Length;

    /// <summary>Decodes every value of <paramref name="data"/>.</summary>
    public static List<object?> ReadAll(ReadOnlySpan<byte> data)
    {
        var reader = new Amf0Reader(data);
        var values = new List<object?>();
        while (reader.HasMore)
            values.Add(reader.ReadValue());
        return values;
    }

    /// <summary>Decodes the next value.</summary>
    public object? ReadValue() => ReadValue(0);

    private object? ReadValue(int depth)
    {
        if (depth > MaxDepth)
            throw new InvalidDataException("AMF0 nesting too deep.");
        var marker = (Amf0Marker)Take(1)[0];
        switch (marker)
        {
            case Amf0Marker.Number:
                return BinaryPrimitives.ReadDoubleBigEndian(Take(8));
            case Amf0Marker.Boolean:
                return Take(1)[0] != 0;
            case Amf0Marker.String:
                return ReadUtf8(BinaryPrimitives.ReadUInt16BigEndian(Take(2)));
            case Amf0Marker.LongString:
                return ReadUtf8(checked((int)BinaryPrimitives.ReadUInt32BigEndian(Take(4))));
            case Amf0Marker.Null:
                return null;
            case Amf0Marker.Undefined:
                return AmfUndefined.Value;
            case Amf0Marker.Object:
                return ReadProperties(new AmfObject(), depth);
            case Amf0Marker.EcmaArray:
                Take(4); // count is only a hint; the end marker terminates
                return ReadProperties(new AmfObject(isEcmaArray: true), depth);
            case Amf0Marker.StrictArray:
                var count = BinaryPrimitives.ReadUInt32BigEndian(Take(4));
                if (count > _data.Length - _position)
                    throw new InvalidDataException($"AMF0 strict array claims {count} items.");
                var items = new object?[count];
                for (var i = 0; i < items.Length; i++)
                    items[i] = ReadValue(depth + 1);
                return items;
            case Amf0Marker.Date:
                var ms = BinaryPrimitives.ReadDoubleBigEndian(Take(8));
                Take(2);
                return DateTimeOffset.FromUnixTimeMilliseconds((long)ms);
            default:
                throw new InvalidDataException($"Unsupported AMF0 marker 0x{(byte)marker:X2} at {_position - 1}.");
        }
    }

    private AmfObject ReadProperties(AmfObject target, int depth)
    {
        while (true)
        {
            var key = ReadUtf8(BinaryPrimitives.ReadUInt16BigEndian(Take(2)));
            if (key.Length == 0 && _position < _data.Length && _data[_position] == (byte)Amf0Marker.ObjectEnd)
            {
                _position++;
                return target;
            }
            target[key] = ReadValue(depth + 1);
        }
    }

    private string ReadUtf8(int length) => Encoding.UTF8.GetString(Take(length));

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _data.Length - _position)
            throw new InvalidDataException($"AMF0 truncated: need {count} bytes at {_position}, have {_data.Length - _position}.");
        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }
}

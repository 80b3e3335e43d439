using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace RtmpTestClient.Amf;

/// <summary>Encodes AMF0 values (the subset in <see cref="AmfObject"/>) into a buffer writer.</summary>
public static class Amf0Writer
{
    /// <summary>Writes each value in order (one RTMP command: name, transaction id, command object, args…).</summary>
    public static void WriteAll(IBufferWriter<byte> output, params ReadOnlySpan<object?> values)
    {
        foreach (var value in values)
            Write(output, value);
    }

    /// <summary>Encodes <paramref name="values"/> into a new array.</summary>
    public static byte[] Encode(params ReadOnlySpan<object?> values)
    {
        var buffer = new ArrayBufferWriter<byte>();
        WriteAll(buffer, values);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes one value. Integers are written as numbers. Throws <see cref="ArgumentException"/> for other types.</summary>
    public static void Write(IBufferWriter<byte> output, object? value)
    {
        switch (value)
        {
            case null:
                WriteMarker(output, Amf0Marker.Null);
                break;
            case AmfUndefined:
                WriteMarker(output, Amf0Marker.Undefined);
                break;
            case bool b:
                WriteMarker(output, Amf0Marker.Boolean);
                WriteByte(output, b ? (byte)1 : (byte)0);
                break;
            case string s:
                WriteString(output, s);
                break;
            case AmfObject o:
                WriteObject(output, o);
                break;
            case object?[] array:
                WriteMarker(output, Amf0Marker.StrictArray);
                WriteUInt32(output, (uint)array.Length);
                foreach (var item in array)
                    Write(output, item);
                break;
            case DateTimeOffset date:
                WriteMarker(output, Amf0Marker.Date);
                WriteDouble(output, date.ToUnixTimeMilliseconds());
                output.Write(new byte[2]);
                break;
            case double or float or int or long or uint or short or ushort or byte:
                WriteMarker(output, Amf0Marker.Number);
                WriteDouble(output, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture));
                break;
            default:
                throw new ArgumentException($"AMF0 cannot encode {value.GetType().Name}.", nameof(value));
        }
    }

    private static void WriteString(IBufferWriter<byte> output, string s)
    {
        var length = Encoding.UTF8.GetByteCount(s);
        if (length <= ushort.MaxValue)
        {
            WriteMarker(output, Amf0Marker.String);
            WriteKey(output, s, length);
            return;
        }
        WriteMarker(output, Amf0Marker.LongString);
        WriteUInt32(output, (uint)length);
        output.Write(Encoding.UTF8.GetBytes(s));
    }

    private static void WriteObject(IBufferWriter<byte> output, AmfObject o)
    {
        WriteMarker(output, o.IsEcmaArray ? Amf0Marker.EcmaArray : Amf0Marker.Object);
        if (o.IsEcmaArray)
            WriteUInt32(output, (uint)o.Count);
        foreach (var (key, item) in o)
        {
            WriteKey(output, key, Encoding.UTF8.GetByteCount(key));
            Write(output, item);
        }
        output.Write<byte>([0, 0, (byte)Amf0Marker.ObjectEnd]);
    }

    private static void WriteKey(IBufferWriter<byte> output, string key, int byteCount)
    {
        var span = output.GetSpan(2 + byteCount);
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)byteCount);
        Encoding.UTF8.GetBytes(key, span[2..]);
        output.Advance(2 + byteCount);
    }

    private static void WriteMarker(IBufferWriter<byte> output, Amf0Marker marker) => WriteByte(output, (byte)marker);

    private static void WriteByte(IBufferWriter<byte> output, byte value)
    {
        output.GetSpan(1)[0] = value;
        output.Advance(1);
    }

    private static void WriteUInt32(IBufferWriter<byte> output, uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(output.GetSpan(4), value);
        output.Advance(4);
    }

    private static void WriteDouble(IBufferWriter<byte> output, double value)
    {
        BinaryPrimitives.WriteDoubleBigEndian(output.GetSpan(8), value);
        output.Advance(8);
    }
}

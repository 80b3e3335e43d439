using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace CallMedia.Rtmp.Amf0;

/// <summary>AMF0 encoder (AMF0 spec §2) into an <see cref="IBufferWriter{T}"/>.</summary>
internal static class Amf0Writer
{
    public static byte[] Encode(params object?[] values)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        foreach (var value in values)
            Write(buffer, value);
        return buffer.WrittenSpan.ToArray();
    }

    public static void Write(IBufferWriter<byte> w, object? value)
    {
        switch (value)
        {
            case null: WriteMarker(w, Amf0Marker.Null); break;
            case AmfUndefined: WriteMarker(w, Amf0Marker.Undefined); break;
            case double d: WriteNumber(w, d); break;
            case int i: WriteNumber(w, i); break;
            case long l: WriteNumber(w, l); break;
            case uint u: WriteNumber(w, u); break;
            case float f: WriteNumber(w, f); break;
            case bool b:
                var span = w.GetSpan(2);
                span[0] = (byte)Amf0Marker.Boolean;
                span[1] = b ? (byte)1 : (byte)0;
                w.Advance(2);
                break;
            case string s: WriteString(w, s); break;
            case AmfDate date:
                var ds = w.GetSpan(11);
                ds[0] = (byte)Amf0Marker.Date;
                BinaryPrimitives.WriteDoubleBigEndian(ds[1..], date.MillisecondsSinceEpoch);
                BinaryPrimitives.WriteInt16BigEndian(ds[9..], date.TimeZone);
                w.Advance(11);
                break;
            case AmfEcmaArray ecma:
                var es = w.GetSpan(5);
                es[0] = (byte)Amf0Marker.EcmaArray;
                BinaryPrimitives.WriteUInt32BigEndian(es[1..], (uint)ecma.Count);
                w.Advance(5);
                WriteProperties(w, ecma);
                break;
            case AmfObject obj:
                WriteMarker(w, Amf0Marker.Object);
                WriteProperties(w, obj);
                break;
            case object?[] array:
                var sa = w.GetSpan(5);
                sa[0] = (byte)Amf0Marker.StrictArray;
                BinaryPrimitives.WriteUInt32BigEndian(sa[1..], (uint)array.Length);
                w.Advance(5);
                foreach (var item in array)
                    Write(w, item);
                break;
            default:
                throw new ArgumentException($"AMF0 cannot encode {value.GetType().Name}", nameof(value));
        }
    }

    private static void WriteMarker(IBufferWriter<byte> w, Amf0Marker marker)
    {
        w.GetSpan(1)[0] = (byte)marker;
        w.Advance(1);
    }

    private static void WriteNumber(IBufferWriter<byte> w, double value)
    {
        var span = w.GetSpan(9);
        span[0] = (byte)Amf0Marker.Number;
        BinaryPrimitives.WriteDoubleBigEndian(span[1..], value);
        w.Advance(9);
    }

    private static void WriteString(IBufferWriter<byte> w, string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        if (length > ushort.MaxValue)
        {
            var span = w.GetSpan(5 + length);
            span[0] = (byte)Amf0Marker.LongString;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)length);
            Encoding.UTF8.GetBytes(value, span[5..]);
            w.Advance(5 + length);
        }
        else
        {
            WriteMarker(w, Amf0Marker.String);
            WriteUtf8(w, value, length);
        }
    }

    /// <summary>UTF-8 with a 16-bit length prefix and no marker (property names, AMF0 §2.4).</summary>
    private static void WriteUtf8(IBufferWriter<byte> w, string value, int length)
    {
        var span = w.GetSpan(2 + length);
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)length);
        Encoding.UTF8.GetBytes(value, span[2..]);
        w.Advance(2 + length);
    }

    private static void WriteProperties(IBufferWriter<byte> w, AmfObject obj)
    {
        foreach (var (key, value) in obj)
        {
            var length = Encoding.UTF8.GetByteCount(key);
            if (length > ushort.MaxValue)
                throw new ArgumentException("AMF0 property name too long");
            WriteUtf8(w, key, length);
            Write(w, value);
        }
        var end = w.GetSpan(3);
        end[0] = 0; end[1] = 0; end[2] = (byte)Amf0Marker.ObjectEnd;
        w.Advance(3);
    }
}

namespace RtmpTestClient.Amf;

/// <summary>AMF0 type markers (AMF0 spec §2.1) of the subset RTMP commands use.</summary>
public enum Amf0Marker : byte
{
    /// <summary>IEEE-754 double, big-endian.</summary>
    Number = 0x00,
    /// <summary>One byte, non-zero = true.</summary>
    Boolean = 0x01,
    /// <summary>UTF-8 with a 16-bit length.</summary>
    String = 0x02,
    /// <summary>Name/value pairs ending with an empty name and <see cref="ObjectEnd"/>.</summary>
    Object = 0x03,
    /// <summary>Null.</summary>
    Null = 0x05,
    /// <summary>Undefined.</summary>
    Undefined = 0x06,
    /// <summary>Associative array: a 32-bit count hint, then pairs as in an object.</summary>
    EcmaArray = 0x08,
    /// <summary>Terminates an object or ECMA array.</summary>
    ObjectEnd = 0x09,
    /// <summary>32-bit count, then values.</summary>
    StrictArray = 0x0A,
    /// <summary>Double milliseconds since epoch + 16-bit time zone.</summary>
    Date = 0x0B,
    /// <summary>UTF-8 with a 32-bit length.</summary>
    LongString = 0x0C,
}

/// <summary>
/// An AMF0 object (or ECMA array when <see cref="IsEcmaArray"/>); keys keep insertion order.
/// Values are <c>double</c>, <c>bool</c>, <c>string</c>, <c>null</c>, <see cref="AmfObject"/>,
/// <c>object?[]</c> (strict array), <see cref="DateTimeOffset"/> or <see cref="AmfUndefined"/>.
/// </summary>
public sealed class AmfObject : Dictionary<string, object?>
{
    /// <summary>Creates an empty object.</summary>
    public AmfObject(bool isEcmaArray = false) : base(StringComparer.Ordinal) => IsEcmaArray = isEcmaArray;

    /// <summary>True when encoded as an ECMA array (marker 0x08), e.g. <c>onMetaData</c>.</summary>
    public bool IsEcmaArray { get; }

    /// <summary>The string property <paramref name="name"/>, or null when absent or not a string.</summary>
    public string? GetString(string name) => TryGetValue(name, out var v) ? v as string : null;

    /// <summary>The number property <paramref name="name"/>, or null when absent or not a number.</summary>
    public double? GetNumber(string name) => TryGetValue(name, out var v) && v is double d ? d : null;
}

/// <summary>The AMF0 <c>undefined</c> value.</summary>
public sealed class AmfUndefined
{
    /// <summary>The single instance.</summary>
    public static readonly AmfUndefined Value = new();

    private AmfUndefined()
    {
    }
}

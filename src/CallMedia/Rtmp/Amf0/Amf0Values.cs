namespace CallMedia.Rtmp.Amf0;

/// <summary>AMF0 type markers (AMF0 spec §2.1).</summary>
internal enum Amf0Marker : byte
{
    Number = 0x00,
    Boolean = 0x01,
    String = 0x02,
    Object = 0x03,
    MovieClip = 0x04,
    Null = 0x05,
    Undefined = 0x06,
    Reference = 0x07,
    EcmaArray = 0x08,
    ObjectEnd = 0x09,
    StrictArray = 0x0A,
    Date = 0x0B,
    LongString = 0x0C,
    Unsupported = 0x0D,
    XmlDocument = 0x0F,
    TypedObject = 0x10,
    AvmPlusObject = 0x11,
}

/// <summary>
/// AMF0 values map to: <see cref="double"/>, <see cref="bool"/>, <see cref="string"/> (string or long
/// string by length), <see cref="AmfObject"/>, <see cref="AmfEcmaArray"/>, <c>object?[]</c> (strict array),
/// <see cref="AmfDate"/>, <c>null</c>, <see cref="AmfUndefined"/>.
/// </summary>
internal sealed class AmfUndefined
{
    public static readonly AmfUndefined Instance = new();
    private AmfUndefined() { }
    public override string ToString() => "undefined";
}

/// <summary>An AMF0 date: milliseconds since the Unix epoch plus the (unused) time-zone field.</summary>
internal readonly record struct AmfDate(double MillisecondsSinceEpoch, short TimeZone);

/// <summary>An AMF0 anonymous object: ordered properties (order is preserved on the wire).</summary>
internal class AmfObject : List<KeyValuePair<string, object?>>
{
    public AmfObject() { }

    public AmfObject(IEnumerable<KeyValuePair<string, object?>> properties) : base(properties) { }

    public object? this[string key]
    {
        get
        {
            foreach (var p in this)
                if (p.Key == key) return p.Value;
            return null;
        }
        set
        {
            for (var i = 0; i < Count; i++)
                if (this[i].Key == key) { this[i] = new(key, value); return; }
            Add(new(key, value));
        }
    }

    public bool ContainsKey(string key)
    {
        foreach (var p in this)
            if (p.Key == key) return true;
        return false;
    }

    public string? GetString(string key) => this[key] as string;

    public void Add(string key, object? value) => Add(new KeyValuePair<string, object?>(key, value));
}

/// <summary>An AMF0 ECMA array (associative array with a count hint), e.g. <c>onMetaData</c>'s body.</summary>
internal sealed class AmfEcmaArray : AmfObject
{
    public AmfEcmaArray() { }

    public AmfEcmaArray(IEnumerable<KeyValuePair<string, object?>> properties) : base(properties) { }
}

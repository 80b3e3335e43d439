using CallMedia.Rtmp.Amf0;
using CallMedia.Rtmp.Protocol;

namespace CallMedia.Tests.Rtmp;

public sealed class Amf0Tests
{
    public static TheoryData<object?> Values() => new()
    {
        0.0, 1.5, -12345.678, double.MaxValue, true, false, "", "live", "名前", new string('x', 70_000),
        null, AmfUndefined.Instance, new AmfDate(1_700_000_000_000, 0),
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void RoundTrip_ScalarValue_IsEqual(object? value)
    {
        var decoded = Decode(value);
        Assert.Equal(value, decoded);
    }

    [Fact]
    public void RoundTrip_NestedObjectEcmaArrayAndStrictArray_KeepsOrderAndTypes()
    {
        var value = new AmfObject
        {
            { "app", "live" },
            { "flashVer", "FMLE/3.0" },
            { "n", 3.0 },
            { "meta", new AmfEcmaArray { { "width", 320.0 }, { "stereo", true }, { "none", null } } },
            { "list", new object?[] { 1.0, "two", null, AmfUndefined.Instance, new AmfObject { { "k", false } } } },
            { "when", new AmfDate(12.0, 60) },
        };
        var decoded = Assert.IsType<AmfObject>(Decode(value));
        Assert.Equal(value.Select(p => p.Key), decoded.Select(p => p.Key));
        Assert.Equal("live", decoded["app"]);
        Assert.Equal(3.0, decoded["n"]);
        var meta = Assert.IsType<AmfEcmaArray>(decoded["meta"]);
        Assert.Equal(320.0, meta["width"]);
        Assert.Equal(true, meta["stereo"]);
        Assert.True(meta.ContainsKey("none"));
        var list = Assert.IsType<object?[]>(decoded["list"]);
        Assert.Equal(5, list.Length);
        Assert.Equal("two", list[1]);
        Assert.Same(AmfUndefined.Instance, list[3]);
        Assert.Equal(false, Assert.IsType<AmfObject>(list[4])["k"]);
        Assert.Equal(new AmfDate(12.0, 60), decoded["when"]);
    }

    [Fact]
    public void Encode_KnownValues_MatchesSpecBytes()
    {
        Assert.Equal(new byte[] { 0x00, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0 }, Amf0Writer.Encode(1.0));
        Assert.Equal(new byte[] { 0x01, 0x01 }, Amf0Writer.Encode(true));
        Assert.Equal(new byte[] { 0x02, 0x00, 0x02, (byte)'a', (byte)'b' }, Amf0Writer.Encode("ab"));
        Assert.Equal(new byte[] { 0x05 }, Amf0Writer.Encode([null]));
        Assert.Equal(new byte[] { 0x06 }, Amf0Writer.Encode(AmfUndefined.Instance));
        Assert.Equal(new byte[] { 0x03, 0x00, 0x01, (byte)'k', 0x05, 0x00, 0x00, 0x09 }, Amf0Writer.Encode(new AmfObject { { "k", null } }));
        Assert.Equal(new byte[] { 0x08, 0, 0, 0, 1, 0x00, 0x01, (byte)'k', 0x01, 0x00, 0x00, 0x00, 0x09 },
            Amf0Writer.Encode(new AmfEcmaArray { { "k", false } }));
        Assert.Equal(new byte[] { 0x0A, 0, 0, 0, 1, 0x05 }, Amf0Writer.Encode((object)new object?[] { null }));
        var longString = Amf0Writer.Encode(new string('y', 65_536));
        Assert.Equal(new byte[] { 0x0C, 0x00, 0x01, 0x00, 0x00 }, longString[..5]);
    }

    [Fact]
    public void Decode_CommandSequence_ReadsAllValues()
    {
        var bytes = Amf0Writer.Encode("connect", 1.0, new AmfObject { { "app", "live" } });
        var values = Amf0Reader.ReadAll(bytes);
        Assert.Equal(3, values.Count);
        Assert.Equal("connect", values[0]);
        Assert.Equal(1.0, values[1]);
        Assert.Equal("live", Assert.IsType<AmfObject>(values[2])["app"]);
    }

    [Theory]
    [InlineData(new byte[] { 0x00, 0x3F })] // truncated number
    [InlineData(new byte[] { 0x02, 0x00, 0x05, (byte)'a' })] // string longer than payload
    [InlineData(new byte[] { 0x0C, 0x7F, 0xFF, 0xFF, 0xFF })] // long string claims 2 GiB
    [InlineData(new byte[] { 0x0A, 0xFF, 0xFF, 0xFF, 0xFF })] // strict array claims 4 G items
    [InlineData(new byte[] { 0x07, 0x00, 0x01 })] // references are not supported
    [InlineData(new byte[] { 0x03, 0x00, 0x01, (byte)'k' })] // object without end
    [InlineData(new byte[] { 0x42 })] // unknown marker
    public void Decode_Malformed_RejectsWithMalformedAmf(byte[] bytes)
    {
        var ex = Assert.Throws<RtmpProtocolException>(() => Amf0Reader.ReadAll(bytes));
        Assert.Equal(RtmpRejectReason.MalformedAmf, ex.Reason);
    }

    [Fact]
    public void Decode_DeepNesting_IsRejected()
    {
        var bytes = new List<byte>();
        for (var i = 0; i < 100; i++)
            bytes.AddRange(new byte[] { 0x0A, 0, 0, 0, 1 });
        bytes.Add(0x05);
        var ex = Assert.Throws<RtmpProtocolException>(() => Amf0Reader.ReadAll(bytes.ToArray()));
        Assert.Equal(RtmpRejectReason.MalformedAmf, ex.Reason);
    }

    private static object? Decode(object? value)
    {
        var bytes = Amf0Writer.Encode(value);
        var reader = new Amf0Reader(bytes);
        var decoded = reader.ReadValue();
        Assert.True(reader.End);
        return decoded;
    }
}

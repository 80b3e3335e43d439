using RtmpTestClient.Amf;

namespace RtmpTestClient.Tests;

public sealed class Amf0Tests
{
    [Fact]
    public void Encode_ConnectCommand_MatchesSpecBytes()
    {
        // "connect", 1, {app:"live"} — AMF0 spec §2 markers and big-endian lengths.
        var bytes = Amf0Writer.Encode("connect", 1.0, new AmfObject { ["app"] = "live" });
        byte[] expected =
        [
            0x02, 0x00, 0x07, .."connect"u8,
            0x00, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0,
            0x03, 0x00, 0x03, .."app"u8, 0x02, 0x00, 0x04, .."live"u8, 0x00, 0x00, 0x09,
        ];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void RoundTrip_EverySupportedType()
    {
        var nested = new AmfObject { ["level"] = "status", ["code"] = "NetStream.Play.Start", ["n"] = -2.5 };
        var ecma = new AmfObject(isEcmaArray: true) { ["width"] = 640.0, ["stereo"] = false };
        var date = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        var longString = new string('x', 70_000);
        object?[] values = ["onStatus", 0.0, null, nested, ecma, true, AmfUndefined.Value, new object?[] { 1.0, "a" }, date, longString, "日本"];

        var decoded = Amf0Reader.ReadAll(Amf0Writer.Encode(values));

        Assert.Equal(values.Length, decoded.Count);
        Assert.Equal("onStatus", decoded[0]);
        Assert.Equal(0.0, decoded[1]);
        Assert.Null(decoded[2]);
        var info = Assert.IsType<AmfObject>(decoded[3]);
        Assert.False(info.IsEcmaArray);
        Assert.Equal("NetStream.Play.Start", info.GetString("code"));
        Assert.Equal(-2.5, info.GetNumber("n"));
        Assert.Equal(["level", "code", "n"], info.Keys);
        var array = Assert.IsType<AmfObject>(decoded[4]);
        Assert.True(array.IsEcmaArray);
        Assert.Equal(640.0, array.GetNumber("width"));
        Assert.Equal(false, array["stereo"]);
        Assert.Equal(true, decoded[5]);
        Assert.Same(AmfUndefined.Value, decoded[6]);
        Assert.Equal(new object?[] { 1.0, "a" }, Assert.IsType<object?[]>(decoded[7]));
        Assert.Equal(date, decoded[8]);
        Assert.Equal(longString, decoded[9]);
        Assert.Equal("日本", decoded[10]);
    }

    [Fact]
    public void Read_ValueTruncatedAtEveryOffset_ThrowsInvalidData()
    {
        var head = Amf0Writer.Encode("_result", 1.0).Length;
        var bytes = Amf0Writer.Encode("_result", 1.0, new AmfObject { ["fmsVer"] = "FMS/3,0,1,123" });
        for (var cut = head + 1; cut < bytes.Length; cut++)
        {
            var prefix = bytes[..cut];
            Assert.Throws<InvalidDataException>(() => Amf0Reader.ReadAll(prefix));
        }
    }

    [Fact]
    public void Read_UnsupportedMarker_ThrowsInvalidData()
    {
        Assert.Throws<InvalidDataException>(() => Amf0Reader.ReadAll([0x11, 0x00])); // AVM+ switch
    }
}

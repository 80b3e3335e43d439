using BenchmarkDotNet.Attributes;
using CallMedia.Rtmp.Amf0;

namespace CallMedia.Benchmarks;

/// <summary>AMF0 encode/decode of the commands every session exchanges: connect, publish, onStatus.</summary>
[MemoryDiagnoser]
public class Amf0Benchmarks
{
    private readonly byte[] _connect = Amf0Writer.Encode("connect", 1.0, ConnectObject());

    private readonly byte[] _publish = Amf0Writer.Encode("publish", 5.0, null,
        "7f3a9c2e41d84b0c9e5a-a?txSecret=3f1c0e6b9a2d4c7e8f0a1b2c3d4e5f60&txTime=6760B2C0", "live");

    private readonly byte[] _onStatus = Amf0Writer.Encode("onStatus", 0.0, null, new AmfObject
    {
        { "level", "status" },
        { "code", "NetStream.Publish.Start" },
        { "description", "Publishing 7f3a9c2e41d84b0c9e5a-a." },
    });

    [Benchmark]
    public byte[] EncodeConnect() => Amf0Writer.Encode("connect", 1.0, ConnectObject());

    /// <summary>The command object FFmpeg/OBS-style publishers send with <c>connect</c> (built per call, as a session does).</summary>
    private static AmfObject ConnectObject() => new AmfObject
    {
        { "app", "live" },
        { "type", "nonprivate" },
        { "flashVer", "FMLE/3.0 (compatible; FMSc/1.0)" },
        { "tcUrl", "rtmp://127.0.0.1:1935/live" },
        { "fpad", false },
        { "capabilities", 15.0 },
        { "audioCodecs", 3191.0 },
        { "videoCodecs", 252.0 },
        { "videoFunction", 1.0 },
        { "objectEncoding", 0.0 },
    };

    [Benchmark]
    public byte[] EncodePublish() => Amf0Writer.Encode("publish", 5.0, null,
        "7f3a9c2e41d84b0c9e5a-a?txSecret=3f1c0e6b9a2d4c7e8f0a1b2c3d4e5f60&txTime=6760B2C0", "live");

    [Benchmark]
    public byte[] EncodeOnStatus() => Amf0Writer.Encode("onStatus", 0.0, null, new AmfObject
    {
        { "level", "status" },
        { "code", "NetStream.Publish.Start" },
        { "description", "Publishing 7f3a9c2e41d84b0c9e5a-a." },
    });

    [Benchmark]
    public int DecodeConnect() => Amf0Reader.ReadAll(_connect).Count;

    [Benchmark]
    public int DecodePublish() => Amf0Reader.ReadAll(_publish).Count;

    [Benchmark]
    public int DecodeOnStatus() => Amf0Reader.ReadAll(_onStatus).Count;
}

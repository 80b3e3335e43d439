using RtmpTestClient.Rtmp;
using CallMedia.Access;
using RtmpTestClient.Amf;
using CallMedia.Rtmp.Chunks;

namespace CallMedia.Tests.Loopback;

/// <summary>Where the signed query comes from, and HTTP-FLV details (header flags from what the stream carries).</summary>
public sealed class AccessAndFlvTests
{
    [Fact]
    public async Task Publish_QueryOnConnectAppOnly_IsPassedToThePolicy()
    {
        await using var host = await RelayHost.StartAsync();
        await using var client = await RtmpPeer.ConnectAsync(host.RtmpEndPoint, app: "live?txSecret=abc&txTime=5C271099");
        Assert.Equal("NetStream.Publish.Start", await client.PublishAsync("plain"));
        var request = Assert.Single(host.Requests);
        Assert.Equal((MediaAction.Publish, "live", "plain", "txSecret=abc&txTime=5C271099"),
            (request.Action, request.App, request.StreamName, request.Query));
    }

    [Fact]
    public async Task Publish_QueryOnStreamName_WinsOverConnectQuery()
    {
        await using var host = await RelayHost.StartAsync();
        await using var client = await RtmpPeer.ConnectAsync(host.RtmpEndPoint, app: "live?txSecret=old&txTime=1");
        Assert.Equal("NetStream.Publish.Start", await client.PublishAsync("s?txSecret=new&txTime=2"));
        Assert.Equal("txSecret=new&txTime=2", Assert.Single(host.Requests).Query);
    }

    [Fact]
    public async Task HttpFlv_AudioOnlyStreamHeldBeforePublish_HeaderFlagsAudioAndAudioFlowsAtOnce()
    {
        await using var host = await RelayHost.StartAsync();
        using var http = new HttpClient();
        using var response = await http.GetAsync($"{host.HttpBase}/live/voice.flv?txSecret=p&txTime=q", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync();

        await using var pub = await RtmpPeer.ConnectAsync(host.RtmpEndPoint);
        Assert.Equal("NetStream.Publish.Start", await pub.PublishAsync("voice?txSecret=x&txTime=y"));
        await pub.SendMediaAsync(RtmpMessageType.DataAmf0, 0, Amf0Writer.Encode("@setDataFrame", "onMetaData",
            new AmfObject(isEcmaArray: true) { { "audiocodecid", 10.0 }, { "audiosamplerate", 44100.0 } }));
        await pub.SendMediaAsync(RtmpMessageType.Audio, 0, SyntheticMedia.AacSequenceHeader);
        for (var i = 0; i < 5; i++)
            await pub.SendMediaAsync(RtmpMessageType.Audio, (uint)(i * 20), SyntheticMedia.Audio(i));

        var tags = await ReadFlvAsync(body, tagCount: 7);
        Assert.Equal(0x04, tags.Flags); // audio only
        Assert.Equal([18, 8, 8, 8, 8, 8, 8], tags.Types);
        Assert.Equal(SyntheticMedia.AacSequenceHeader, tags.Bodies[1]);
        Assert.Equal(new uint[] { 0, 0, 0, 20, 40, 60, 80 }, tags.Timestamps);
    }

    private static async Task<(byte Flags, List<byte> Types, List<uint> Timestamps, List<byte[]> Bodies)> ReadFlvAsync(Stream body, int tagCount)
    {
        using var cts = new CancellationTokenSource(5000);
        var header = new byte[13];
        await body.ReadExactlyAsync(header, cts.Token);
        Assert.Equal("FLV"u8.ToArray(), header[..3]);
        var types = new List<byte>();
        var timestamps = new List<uint>();
        var bodies = new List<byte[]>();
        for (var i = 0; i < tagCount; i++)
        {
            var tag = new byte[11];
            await body.ReadExactlyAsync(tag, cts.Token);
            var size = tag[1] << 16 | tag[2] << 8 | tag[3];
            var data = new byte[size + 4];
            await body.ReadExactlyAsync(data, cts.Token);
            types.Add(tag[0]);
            timestamps.Add((uint)(tag[7] << 24 | tag[4] << 16 | tag[5] << 8 | tag[6]));
            bodies.Add(data[..size]);
            Assert.Equal(size + 11, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(size)));
        }
        return (header[4], types, timestamps, bodies);
    }
}

/// <summary>Messages near the 4 MiB limit travel intact (thousands of chunks in one gather write).</summary>
public sealed class LargeMessageTests
{
    [Fact]
    public async Task Relay_ForwardsA3MiBVideoMessageIntact()
    {
        await using var host = await RelayHost.StartAsync();
        await using var pub = await RtmpPeer.ConnectAsync(host.RtmpEndPoint);
        Assert.Equal("NetStream.Publish.Start", await pub.PublishAsync("big?txSecret=x&txTime=y"));
        await using var viewer = await RtmpPeer.ConnectAsync(host.RtmpEndPoint);
        Assert.Equal("NetStream.Play.Reset", await viewer.PlayAsync("big?txSecret=p&txTime=q"));
        var publisher = new SyntheticPublisher(pub);
        await publisher.SendHeadersAsync();
        var big = SyntheticMedia.Video(true, 7, 3 * 1024 * 1024);
        new Random(3).NextBytes(big.AsSpan(9));
        await pub.SendMediaAsync(CallMedia.Rtmp.Chunks.RtmpMessageType.Video, 40, big);
        var received = await viewer.WaitForAsync(SyntheticMedia.IsKey, 10_000);
        Assert.Equal(big, received.Payload);
    }
}

public sealed class ConnectTests
{
    [Fact]
    public async Task Connect_ToAnotherApplication_IsRejectedAndClosed()
    {
        await using var host = await RelayHost.StartAsync();
        var refused = await Assert.ThrowsAsync<RtmpStatusException>(() => RtmpPeer.ConnectAsync(host.RtmpEndPoint, app: "vod"));
        Assert.Equal("NetConnection.Connect.Rejected", refused.Code);
        // The relay closes the connection after the refusal: the next connect still works.
        await using var ok = await RtmpPeer.ConnectAsync(host.RtmpEndPoint);
        Assert.False(ok.Closed);
    }
}

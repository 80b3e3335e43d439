using RtmpTestClient.Amf;
using CallMedia.Rtmp.Chunks;

namespace CallMedia.Tests.Loopback;

/// <summary>
/// FLV-shaped H.264/AAC messages for relay tests: the relay only classifies them, so the bodies are a
/// header byte, a packet type and a sequence number (frame index) followed by filler.
/// </summary>
internal static class SyntheticMedia
{
    public static readonly byte[] AvcSequenceHeader = [0x17, 0x00, 0, 0, 0, 0x01, 0x42, 0xC0, 0x1E, 0xFF, 0xE1, 0x00, 0x00];
    public static readonly byte[] AacSequenceHeader = [0xAF, 0x00, 0x12, 0x10];

    public static byte[] Metadata() => Amf0Writer.Encode("@setDataFrame", "onMetaData",
        new AmfObject(isEcmaArray: true) { { "width", 320.0 }, { "height", 240.0 }, { "videocodecid", 7.0 }, { "audiocodecid", 10.0 } });

    public static byte[] Video(bool key, int index, int size, bool disposable = false)
    {
        var body = new byte[Math.Max(size, 9)];
        body[0] = (byte)((key ? 0x10 : disposable ? 0x30 : 0x20) | 7);
        body[1] = 1;
        BitConverter.TryWriteBytes(body.AsSpan(5), index);
        return body;
    }

    public static byte[] Audio(int index, int size = 160)
    {
        var body = new byte[Math.Max(size, 6)];
        body[0] = 0xAF;
        body[1] = 1;
        BitConverter.TryWriteBytes(body.AsSpan(2), index);
        return body;
    }

    public static int Index(Received m) => BitConverter.ToInt32(m.Payload, m.Type == RtmpMessageType.Video ? 5 : 2);

    public static bool IsKey(Received m) => m.Type == RtmpMessageType.Video && m.Payload[0] >> 4 == 1 && m.Payload[1] == 1;

    public static bool IsFrame(Received m) => m.Payload.Length > 1 && m.Payload[1] == 1;
}

/// <summary>Publishes synthetic media at real-time pace: 25 fps video (GOP 25), 50 audio frames/s.</summary>
internal sealed class SyntheticPublisher(RtmpPeer client, int keyBytes = 12_000, int interBytes = 2_500, int audioBytes = 160)
{
    public int AudioSent;
    public int VideoSent;

    public async Task SendHeadersAsync(uint timestamp = 0)
    {
        await client.SendMediaAsync(RtmpMessageType.DataAmf0, 0, SyntheticMedia.Metadata());
        await client.SendMediaAsync(RtmpMessageType.Audio, timestamp, SyntheticMedia.AacSequenceHeader);
        await client.SendMediaAsync(RtmpMessageType.Video, timestamp, SyntheticMedia.AvcSequenceHeader);
    }

    /// <summary>Sends media from <paramref name="startTs"/> for <paramref name="durationMs"/>, paced by the wall clock.</summary>
    public async Task RunAsync(int durationMs, CancellationToken cancellationToken, uint startTs = 0)
    {
        var start = Environment.TickCount64;
        var nextAudio = 0;
        var nextVideo = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var elapsed = (int)(Environment.TickCount64 - start);
            if (elapsed >= durationMs)
                return;
            while (nextAudio * 20 <= elapsed)
            {
                await client.SendMediaAsync(RtmpMessageType.Audio, startTs + (uint)(nextAudio * 20), SyntheticMedia.Audio(AudioSent++, audioBytes));
                nextAudio++;
            }
            while (nextVideo * 40 <= elapsed)
            {
                var key = nextVideo % 25 == 0;
                await client.SendMediaAsync(RtmpMessageType.Video, startTs + (uint)(nextVideo * 40),
                    SyntheticMedia.Video(key, VideoSent++, key ? keyBytes : interBytes));
                nextVideo++;
            }
            await Task.Delay(5, CancellationToken.None);
        }
    }
}

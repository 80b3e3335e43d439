using System.Buffers.Binary;
using CallMedia.Rtmp.Chunks;

namespace CallMedia.Tests.Loopback;

/// <summary>One tag of an FLV file.</summary>
internal sealed record FlvTag(RtmpMessageType Type, uint Timestamp, byte[] Body)
{
    public bool IsVideoFrame => Type == RtmpMessageType.Video && Body.Length > 1 && Body[1] == 1;

    public bool IsKey => IsVideoFrame && Body[0] >> 4 == 1;

    public bool IsAudioFrame => Type == RtmpMessageType.Audio && Body.Length > 1 && Body[1] == 1;
}

/// <summary>A real FLV file generated once per test run by ffmpeg (x264 zerolatency + AAC), parsed into tags.</summary>
internal static class FlvFile
{
    private static readonly Lazy<Task<IReadOnlyList<FlvTag>>> s_sample = new(GenerateAsync);

    /// <summary>25 s of 320×240 testsrc at 25 fps, GOP 25, ≈ 600 kbit/s video + 64 kbit/s AAC.</summary>
    public static Task<IReadOnlyList<FlvTag>> SampleAsync() => s_sample.Value;

    private static async Task<IReadOnlyList<FlvTag>> GenerateAsync()
    {
        var path = Path.Combine(Path.GetTempPath(), $"callmedia-sample-{Environment.ProcessId}.flv");
        var result = await Ffmpeg.RunAsync("/usr/bin/ffmpeg",
            "-hide_banner -loglevel error -y -f lavfi -i testsrc=size=320x240:rate=25 -f lavfi -i sine=frequency=440 " +
            "-c:v libx264 -preset ultrafast -tune zerolatency -g 25 -b:v 600k -maxrate 600k -bufsize 300k -c:a aac -b:a 64k -t 25 " +
            Ffmpeg.Quote(path), TimeSpan.FromSeconds(60));
        if (result.ExitCode != 0)
            throw new InvalidOperationException("ffmpeg could not generate the sample FLV: " + result.Stderr);
        var tags = Parse(await File.ReadAllBytesAsync(path));
        File.Delete(path);
        return tags;
    }

    public static List<FlvTag> Parse(ReadOnlySpan<byte> file)
    {
        var tags = new List<FlvTag>();
        var offset = (int)BinaryPrimitives.ReadUInt32BigEndian(file[5..]) + 4;
        while (offset + 11 <= file.Length)
        {
            var tag = file[offset..];
            var size = tag[1] << 16 | tag[2] << 8 | tag[3];
            var ts = (uint)(tag[7] << 24 | tag[4] << 16 | tag[5] << 8 | tag[6]);
            if (offset + 11 + size > file.Length)
                break;
            tags.Add(new FlvTag((RtmpMessageType)tag[0], ts, tag.Slice(11, size).ToArray()));
            offset += 11 + size + 4;
        }
        return tags;
    }
}

/// <summary>Publishes FLV tags at real-time pace (by their timestamps), as a pusher would.</summary>
internal sealed class FlvFilePublisher(RtmpPeer client, IReadOnlyList<FlvTag> tags)
{
    public int AudioFramesSent;
    public int VideoFramesSent;
    public long StartedAt;

    public async Task RunAsync(int durationMs, CancellationToken cancellationToken = default)
    {
        StartedAt = Environment.TickCount64;
        foreach (var tag in tags)
        {
            if (cancellationToken.IsCancellationRequested || tag.Timestamp > durationMs)
                return;
            var wait = StartedAt + tag.Timestamp - Environment.TickCount64;
            if (wait > 0)
                await Task.Delay((int)wait, CancellationToken.None);
            await client.SendMediaAsync(tag.Type, tag.Timestamp, tag.Type == RtmpMessageType.DataAmf0
                ? [.. RtmpTestClient.Amf.Amf0Writer.Encode("@setDataFrame"), .. tag.Body]
                : tag.Body);
            if (tag.IsAudioFrame) AudioFramesSent++;
            if (tag.IsVideoFrame) VideoFramesSent++;
        }
    }
}

using CallMedia.Rtmp.Chunks;
using CallMedia.Tests.Loopback;
using RtmpTestClient.Servers;
using Xunit.Abstractions;

namespace CallMedia.Tests.Players;

/// <summary>
/// rtmpdump (librtmp, Debian's <c>rtmpdump</c>) records the RTMP play URL into an FLV file as the tags arrive: the file
/// shows exactly what the relay sends a viewer, and libavformat must find one audio and one video stream in it. The
/// start of the recording is compared with what nginx-rtmp (Debian's <c>libnginx-mod-rtmp</c>) sends for the same input.
/// </summary>
[Collection(nameof(PlayersCollection))]
public sealed class RtmpdumpPlayerTests(ITestOutputHelper output)
{
    private const string Rtmpdump = "/usr/bin/rtmpdump";
    private const int RecordSeconds = 4;

    [Fact]
    public async Task ViewerJoiningMidStream_RecordsOneAudioAndOneVideoStream_StartingLikeNginxRtmp()
    {
        PlayerProcess.Require(NginxRtmpServer.ModulePath);
        await using var stage = await LiveStage.StartAsync();
        await using var nginx = await NginxRtmpServer.StartAsync();
        await stage.PublishAsync();
        using var nginxPublisher = LiveStage.StartPublisher($"{nginx.LiveBaseUrl}/reference");
        await Task.Delay(TimeSpan.FromSeconds(3));

        var relay = RecordAsync(stage.RtmpUrl);
        var reference = RecordAsync($"{nginx.LiveBaseUrl}/reference");
        var relayTags = await AssertRecordingAsync("relay", await relay);
        var nginxTags = await AssertRecordingAsync("nginx-rtmp", await reference);
        nginxPublisher.Kill();

        // Both start alike: onMetaData at timestamp 0, then the decoder configurations stamped like the first frames.
        AssertStartsLikeNginx("relay", relayTags);
        AssertStartsLikeNginx("nginx-rtmp", nginxTags);
    }

    [Fact]
    public async Task ViewerPlayingBeforePublish_RecordsOneAudioAndOneVideoStream()
    {
        await using var stage = await LiveStage.StartAsync();
        var recording = RecordAsync(stage.RtmpUrl, RecordSeconds + 2);
        await stage.WaitForPlayersAsync(1);
        await stage.PublishAsync();
        AssertStartsLikeNginx("relay", await AssertRecordingAsync("relay", await recording));
    }

    [Fact]
    public async Task ViewerStayingAcrossPublisherReconnect_RecordsOneAudioAndOneVideoStreamWithoutAHole()
    {
        await using var stage = await LiveStage.StartAsync();
        await stage.PublishAsync();
        var recording = RecordAsync(stage.RtmpUrl, seconds: 8);
        await stage.WaitUntilPlayingAsync(viewers: 1);
        await Task.Delay(TimeSpan.FromSeconds(1));
        await stage.ReconnectPublisherAsync(outage: TimeSpan.FromSeconds(1.5));
        // The relay's own count of video it dropped for this viewer, for the log: a new publisher's read rate is measured
        // anew (a stale one taken before the outage once dropped its first key frame: a GOP of frozen picture).
        long videoDropped = 0;
        while (!recording.IsCompleted)
        {
            videoDropped = Math.Max(videoDropped, stage.Host.Stats.GetStream(stage.Stream)?.Viewers.Sum(v => v.VideoDropped) ?? 0);
            await Task.WhenAny(recording, Task.Delay(100));
        }
        var (file, run) = await recording;
        var packets = await Probe.PacketsAsync(file);
        var (videoGap, audioGap) = (Probe.LongestGap(packets, "video"), Probe.LongestGap(packets, "audio"));
        output.WriteLine($"longest step: video {videoGap:0.###} s, audio {audioGap:0.###} s; video dropped by the relay: {videoDropped}");
        await AssertRecordingAsync("relay", (file, run));
        Assert.True(videoGap < 0.5 && audioGap < 0.5, $"the timeline has a hole across the reconnect: video {videoGap:0.###} s, audio {audioGap:0.###} s (video dropped: {videoDropped})");
    }

    /// <summary><c>rtmpdump -v -r URL -o file.flv</c>, stopped with SIGINT (it then closes the file) after a few seconds.</summary>
    private static async Task<(string File, PlayerRun Run)> RecordAsync(string url, int seconds = RecordSeconds)
    {
        PlayerProcess.Require(Rtmpdump);
        var file = Path.Combine(PlayerProcess.TempDirectory(), "out.flv");
        var run = await PlayerProcess.RunAsync("/usr/bin/timeout",
            ["-s", "INT", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), Rtmpdump, "-q", "-v", "-r", url, "-o", file],
            TimeSpan.FromSeconds(seconds + 15));
        return (file, run);
    }

    private async Task<List<FlvTag>> AssertRecordingAsync(string server, (string File, PlayerRun Run) recording)
    {
        var (file, run) = recording;
        Assert.True(File.Exists(file), $"rtmpdump from {server} wrote nothing: {run}");
        var (streams, probe) = await Probe.StreamsAsync(file);
        var packets = await Probe.PacketsAsync(file);
        var tags = FlvFile.Parse(await File.ReadAllBytesAsync(file));
        output.WriteLine($"{server}: {string.Join(' ', streams)}; video {Probe.Seconds(packets, "video"):0.##} s, audio {Probe.Seconds(packets, "audio"):0.##} s; " +
            "first tags: " + string.Join(", ", tags.Take(6).Select(t => $"{t.Type}@{t.Timestamp}")));
        Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        Assert.Equal(Probe.AudioAndVideo, streams);
        Assert.True(probe.Stderr.Trim().Length == 0, $"ffprobe warned on the {server} recording: {probe.Stderr}");
        Assert.True(Probe.Seconds(packets, "video") >= 1 && Probe.Seconds(packets, "audio") >= 1, $"{server}: too little media recorded");
        return tags;
    }

    /// <summary>
    /// Script data (onMetaData) at timestamp 0: libavformat reads a script tag at any other timestamp as a data stream.
    /// Sequence headers within one frame or so of the first audio/video frame, never the join time before it.
    /// </summary>
    private static void AssertStartsLikeNginx(string server, List<FlvTag> tags)
    {
        Assert.All(tags.Where(t => t.Type is RtmpMessageType.DataAmf0 or RtmpMessageType.DataAmf3), t => Assert.Equal(0u, t.Timestamp));
        var firstFrame = tags.First(t => t.IsVideoFrame || t.IsAudioFrame).Timestamp;
        var headers = tags.Where(t => t.Type is RtmpMessageType.Audio or RtmpMessageType.Video && t.Body.Length > 1 && t.Body[1] == 0).ToList();
        Assert.Equal([RtmpMessageType.Audio, RtmpMessageType.Video], headers.Select(h => h.Type).Distinct().Order());
        Assert.All(headers, h => Assert.True(Math.Abs((long)h.Timestamp - firstFrame) <= 100,
            $"{server}: {h.Type} sequence header at {h.Timestamp} ms, first frame at {firstFrame} ms"));
    }
}

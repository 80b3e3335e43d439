using Xunit.Abstractions;

namespace CallMedia.Tests.Players;

/// <summary>
/// Players built on libavformat (ffmpeg, ffprobe; ffplay, mpv, VLC and many app players share its RTMP client and FLV
/// demuxer) see exactly what was published from both play URLs: one H.264 and one AAC stream, no warning, and a
/// <c>-c copy</c> recording that ends on time with the requested duration of both streams.
/// </summary>
[Collection(nameof(PlayersCollection))]
public sealed class LibavformatPlayerTests(ITestOutputHelper output)
{
    private static readonly string[] Transports = ["rtmp", "flv"];
    private static readonly string[] Containers = ["mkv", "mp4"];

    [Fact]
    public async Task ViewerJoiningMidStream_SeesOneAudioAndOneVideoStream_AndCopiesThreeSeconds()
    {
        await using var stage = await LiveStage.StartAsync();
        await stage.PublishAsync();
        await Task.Delay(TimeSpan.FromSeconds(3)); // the stream's timeline is seconds in, its key frame up to 2 s old

        var probes = Transports.Select(t => Probe.StreamsAsync(stage.Url(t))).ToList();
        var copies = Transports.SelectMany(t => Containers.Select(c => CopyAsync(stage, t, c))).ToList();
        await AssertStreamsAsync(probes);
        await AssertCopiesAsync(copies, minSeconds: 2.8);
    }

    [Fact]
    public async Task ViewerPlayingBeforePublish_SeesOneAudioAndOneVideoStream_AndCopiesThreeSeconds()
    {
        await using var stage = await LiveStage.StartAsync();
        var probes = Transports.Select(t => Probe.StreamsAsync(stage.Url(t))).ToList();
        var copies = Transports.SelectMany(t => Containers.Select(c => CopyAsync(stage, t, c))).ToList();
        await stage.WaitForPlayersAsync(6);
        await stage.PublishAsync();
        await AssertStreamsAsync(probes);
        await AssertCopiesAsync(copies, minSeconds: 2.8);
    }

    [Fact]
    public async Task ViewerStayingAcrossPublisherReconnect_GetsOneContinuousTimeline()
    {
        await using var stage = await LiveStage.StartAsync();
        await stage.PublishAsync();
        await Task.Delay(TimeSpan.FromSeconds(1));
        var copies = Transports.SelectMany(t => Containers.Select(c => CopyAsync(stage, t, c, seconds: 6))).ToList();
        await stage.WaitUntilPlayingAsync(viewers: 4);
        await Task.Delay(TimeSpan.FromSeconds(1));
        await stage.ReconnectPublisherAsync(outage: TimeSpan.FromSeconds(1.5));
        var files = await AssertCopiesAsync(copies, minSeconds: 5.8);
        foreach (var (name, packets) in files)
        {
            // One frame's step (plus the reconnecting encoder's audio priming), not the 1.5 s outage.
            var gap = Probe.LongestGap(packets, "video");
            output.WriteLine($"{name}: longest video step {gap:0.###} s, audio step {Probe.LongestGap(packets, "audio"):0.###} s");
            Assert.True(gap < 0.5, $"{name}: video timeline has a {gap:0.###} s hole across the reconnect");
            Assert.True(Probe.LongestGap(packets, "audio") < 0.5, $"{name}: audio timeline has a hole across the reconnect");
        }
    }

    /// <summary><c>ffmpeg -i URL -c copy -t N out.ext</c>: the recording a user makes of a live stream.</summary>
    private static async Task<(string Name, string File, PlayerRun Run)> CopyAsync(LiveStage stage, string transport, string container, int seconds = 3)
    {
        var file = Path.Combine(PlayerProcess.TempDirectory(), $"out.{container}");
        var run = await PlayerProcess.RunAsync("/usr/bin/ffmpeg",
            $"-hide_banner -nostdin -v warning -rw_timeout 10000000 -i {PlayerProcess.Quote(stage.Url(transport))} -c copy -t {seconds} -y {file}",
            TimeSpan.FromSeconds(seconds + 20));
        return ($"{transport}->{container}", file, run);
    }

    private async Task AssertStreamsAsync(List<Task<(string[] Streams, PlayerRun Run)>> probes)
    {
        for (var i = 0; i < probes.Count; i++)
        {
            var (streams, run) = await probes[i];
            output.WriteLine($"ffprobe {Transports[i]}: {string.Join(' ', streams)} {run.Stderr}");
            Assert.True(run.ExitCode == 0, $"ffprobe {Transports[i]}: {run}");
            Assert.Equal(Probe.AudioAndVideo, streams);
            Assert.True(run.Stderr.Trim().Length == 0, $"ffprobe {Transports[i]} warned: {run.Stderr}");
        }
    }

    private async Task<List<(string Name, List<ProbedPacket> Packets)>> AssertCopiesAsync(
        List<Task<(string Name, string File, PlayerRun Run)>> copies, double minSeconds)
    {
        var files = new List<(string, List<ProbedPacket>)>();
        foreach (var copy in copies)
        {
            var (name, file, run) = await copy;
            Assert.False(run.Killed, $"ffmpeg {name} never finished: {run}");
            Assert.True(run.ExitCode == 0, $"ffmpeg {name}: {run}");
            Assert.True(run.Stderr.Trim().Length == 0, $"ffmpeg {name} warned: {run.Stderr}");
            var (streams, _) = await Probe.StreamsAsync(file);
            Assert.Equal(Probe.AudioAndVideo, streams);
            var packets = await Probe.PacketsAsync(file);
            var (video, audio) = (Probe.Seconds(packets, "video"), Probe.Seconds(packets, "audio"));
            output.WriteLine($"ffmpeg {name}: video {video:0.###} s, audio {audio:0.###} s");
            Assert.True(video >= minSeconds && audio >= minSeconds, $"{name}: video {video:0.###} s, audio {audio:0.###} s (want ≥ {minSeconds} s of both)");
            files.Add((name, packets));
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
        return files;
    }
}

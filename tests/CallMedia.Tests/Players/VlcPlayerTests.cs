using Xunit.Abstractions;

namespace CallMedia.Tests.Players;

/// <summary>
/// VLC (Debian's <c>vlc-bin</c> + <c>vlc-plugin-base</c>; it refuses to run as root, so it runs as <c>nobody</c>) plays
/// both URLs for a few seconds: its <c>scene</c> video filter writes every tenth decoded picture to a PNG and its
/// <c>afile</c> audio output writes the decoded audio to a WAV file; its log (<c>-vv</c>) lists the elementary streams
/// its libavformat demuxer created: exactly one audio and one video stream.
/// </summary>
[Collection(nameof(PlayersCollection))]
public sealed class VlcPlayerTests(ITestOutputHelper output)
{
    private const string Runuser = "/usr/sbin/runuser";
    private const string Cvlc = "/usr/bin/cvlc";
    private const int RunSeconds = 5;

    [Fact]
    public async Task ViewerJoiningMidStream_DecodesPicturesAndAudio()
    {
        await using var stage = await LiveStage.StartAsync();
        await stage.PublishAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));
        await AssertDecodesAsync(Play(stage));
    }

    [Fact]
    public async Task ViewerPlayingBeforePublish_DecodesPicturesAndAudio()
    {
        await using var stage = await LiveStage.StartAsync();
        var players = Play(stage);
        await stage.WaitForPlayersAsync(2);
        await stage.PublishAsync();
        await AssertDecodesAsync(players);
    }

    private static List<(string Transport, string Dir, Task<PlayerRun> Run)> Play(LiveStage stage) =>
        new[] { "rtmp", "flv" }.Select(t =>
        {
            var dir = PlayerProcess.TempDirectory();
            return (t, dir, RunAsync(stage.Url(t), dir));
        }).ToList();

    private static Task<PlayerRun> RunAsync(string url, string dir)
    {
        PlayerProcess.Require(Cvlc);
        return PlayerProcess.RunAsync(Runuser, [
            "-u", "nobody", "--", Cvlc, "-vv", "-I", "dummy", "--no-video-title-show", "--play-and-exit", $"--run-time={RunSeconds}",
            "--vout=dummy", "--video-filter=scene", $"--scene-path={dir}", "--scene-prefix=frame", "--scene-ratio=10", "--scene-format=png",
            "--aout=afile", $"--audiofile-file={Path.Combine(dir, "audio.wav")}", url,
        ], TimeSpan.FromSeconds(RunSeconds + 25));
    }

    private async Task AssertDecodesAsync(List<(string Transport, string Dir, Task<PlayerRun> Run)> players)
    {
        foreach (var (transport, dir, task) in players)
        {
            var run = await task;
            var pictures = Directory.GetFiles(dir, "frame*.png").Length;
            var audio = new FileInfo(Path.Combine(dir, "audio.wav"));
            var audioBytes = audio.Exists ? audio.Length : 0;
            output.WriteLine($"vlc {transport}: exit {run.ExitCode}, {pictures} pictures saved (1 in 10 decoded), {audioBytes} bytes of decoded audio");
            // VLC demuxes FLV with libavformat and logs each elementary stream it creates (-vv).
            var streams = (run.Stdout + run.Stderr).Split('\n')
                .Where(l => l.Contains("avformat demux debug: adding es:", StringComparison.Ordinal))
                .Select(l => l[(l.IndexOf("adding es:", StringComparison.Ordinal) + 11)..].Trim()).ToList();
            output.WriteLine($"vlc {transport}: {string.Join("; ", streams)}");
            Assert.False(run.Killed, $"vlc {transport} did not stop after {RunSeconds} s");
            Assert.Collection(streams.Order(StringComparer.Ordinal),
                audio => Assert.StartsWith("audio codec = mp4a", audio, StringComparison.Ordinal),
                video => Assert.StartsWith("video codec = h264", video, StringComparison.Ordinal));
            Assert.True(pictures >= 3, $"vlc {transport} decoded too few pictures ({pictures} saved): {run.Stderr[^Math.Min(run.Stderr.Length, 4000)..]}");
            Assert.True(audioBytes >= 100_000, $"vlc {transport} decoded too little audio ({audioBytes} bytes)");
            Directory.Delete(dir, recursive: true);
        }
    }
}

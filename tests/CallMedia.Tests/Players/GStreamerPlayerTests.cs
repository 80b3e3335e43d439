using CallMedia.Events;
using Xunit.Abstractions;

namespace CallMedia.Tests.Players;

/// <summary>
/// GStreamer (Debian's gstreamer1.0-plugins-bad <c>rtmp2src</c>, -good <c>souphttpsrc</c> and <c>flvdemux</c>, -libav
/// decoders) plays both URLs: each pipeline decodes a given number of video frames and audio frames, then ends (EOS).
/// </summary>
[Collection(nameof(PlayersCollection))]
public sealed class GStreamerPlayerTests(ITestOutputHelper output)
{
    private const string GstLaunch = "/usr/bin/gst-launch-1.0";
    private const int Buffers = 50;

    [Fact]
    public async Task ViewerJoiningMidStream_DecodesVideoAndAudio()
    {
        await using var stage = await LiveStage.StartAsync();
        await stage.PublishAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));
        await AssertDecodesAsync(stage, Play(stage));
    }

    [Fact]
    public async Task ViewerPlayingBeforePublish_DecodesVideoAndAudio()
    {
        await using var stage = await LiveStage.StartAsync();
        var players = Play(stage);
        await stage.WaitForPlayersAsync(2);
        await stage.PublishAsync();
        await AssertDecodesAsync(stage, players);
    }

    [Fact]
    public async Task ViewerStayingAcrossPublisherReconnect_GoesOnDecoding()
    {
        await using var stage = await LiveStage.StartAsync();
        await stage.PublishAsync();
        // 6 s of pictures: the pipeline ends only if decoding goes on after the reconnect.
        var players = Play(stage, buffers: 150);
        await stage.WaitUntilPlayingAsync(viewers: 2);
        await Task.Delay(TimeSpan.FromSeconds(0.5));
        await stage.ReconnectPublisherAsync(outage: TimeSpan.FromSeconds(1.5));
        await AssertDecodesAsync(stage, players, buffers: 150);
    }

    private static List<(string Source, Task<PlayerRun> Run)> Play(LiveStage stage, int buffers = Buffers) =>
    [
        ("rtmp2src", RunAsync($"rtmp2src location={stage.RtmpUrl}", buffers)),
        ("souphttpsrc", RunAsync($"souphttpsrc location={stage.FlvUrl} is-live=true", buffers)),
    ];

    /// <summary>source → flvdemux → decodebin per track → fakesink that ends the pipeline after <paramref name="buffers"/> buffers.</summary>
    private static Task<PlayerRun> RunAsync(string source, int buffers) =>
        PlayerProcess.RunAsync(GstLaunch, [
            "-v", .. source.Split(' '), "!", "flvdemux", "name=d",
            "d.video", "!", "queue", "!", "decodebin", "!", "fakesink", "name=vsink", "silent=false", $"num-buffers={buffers}",
            "d.audio", "!", "queue", "!", "decodebin", "!", "fakesink", "name=asink", "silent=false", $"num-buffers={buffers}",
        ], TimeSpan.FromSeconds(30));

    private async Task AssertDecodesAsync(LiveStage stage, List<(string Source, Task<PlayerRun> Run)> players, int buffers = Buffers)
    {
        foreach (var (source, task) in players)
        {
            var run = await task;
            var lines = run.Stdout.Split('\n');
            // fakesink silent=false reports the buffers it takes ("last-message = chain ... (vsink:sink)").
            var (video, audio) = (Chained(lines, "vsink"), Chained(lines, "asink"));
            output.WriteLine($"{source}: exit {run.ExitCode}; {video} video and {audio} audio buffers decoded; " +
                lines.FirstOrDefault(l => l.Contains("caps = video/x-raw", StringComparison.Ordinal))?.Trim());
            var context = $"{source}: {video} video / {audio} audio buffers; relay: {stage.ViewerEndings()}; " +
                string.Join('\n', lines.Where(l => !l.Contains("last-message", StringComparison.Ordinal)).TakeLast(15)) + run.Stderr;
            Assert.False(run.Killed, $"did not decode {buffers} video and audio buffers in time: {context}");
            // decodebin exposes only raw (decoded) pads, so what reaches the sinks was decoded. The pipeline ends (EOS) when
            // both sinks took their buffers, or early if the stream ended: the relay would
            // then have ended the viewer itself (too slow, kicked, unpublished) rather than seen the player close it.
            // (The buffer counts and caps above come from gst-launch -v's property notifications, which it may not all
            // print before it exits: for information only.)
            Assert.True(run.ExitCode == 0 && run.Stdout.Contains("Got EOS from element", StringComparison.Ordinal), context);
            Assert.DoesNotContain(stage.Host.Events.OfType<PlayStopped>(), e => e.Reason != "closed");
        }
    }

    private static int Chained(string[] lines, string sink) =>
        lines.Count(l => l.Contains("last-message = chain", StringComparison.Ordinal) && l.Contains($"({sink}:sink)", StringComparison.Ordinal));
}

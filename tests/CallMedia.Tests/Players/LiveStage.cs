using System.Diagnostics;
using CallMedia.Events;
using CallMedia.Tests.Loopback;

namespace CallMedia.Tests.Players;

/// <summary>
/// The relay hosted in-process with one stream and an ffmpeg publisher (320x240 H.264 at 25 fps with a 2 s GOP, AAC
/// 44.1 kHz mono, as a phone pusher sends), for real players to play from its RTMP and HTTP-FLV URLs.
/// </summary>
internal sealed class LiveStage : IAsyncDisposable
{
    /// <summary>ffmpeg publisher: real-time test pattern and tone, GOP 2 s (a viewer usually waits for a key frame).</summary>
    private const string PublishArgs =
        "-hide_banner -loglevel error -re -f lavfi -i testsrc=size=320x240:rate=25 -f lavfi -i sine=frequency=440 " +
        "-c:v libx264 -preset ultrafast -tune zerolatency -g 50 -c:a aac -t 120 -f flv {0}";

    private Process? _publisher;

    private LiveStage(RelayHost host, string stream)
    {
        Host = host;
        Stream = stream;
    }

    public RelayHost Host { get; }

    public string Stream { get; }

    /// <summary>Play URL over RTMP (the test policy allows every signature).</summary>
    public string RtmpUrl => $"{Host.RtmpBase}/{Stream}?txSecret=p&txTime=q";

    /// <summary>Play URL over HTTP-FLV.</summary>
    public string FlvUrl => $"{Host.HttpBase}/live/{Stream}.flv?txSecret=p&txTime=q";

    /// <summary>The play URL of <paramref name="transport"/> ("rtmp" or "flv").</summary>
    public string Url(string transport) => transport == "rtmp" ? RtmpUrl : FlvUrl;

    public static async Task<LiveStage> StartAsync(string stream = "player") =>
        new(await RelayHost.StartAsync(), stream);

    /// <summary>Starts the publisher on any RTMP server (also nginx-rtmp, for comparison).</summary>
    public static Process StartPublisher(string url) =>
        PlayerProcess.Start("/usr/bin/ffmpeg", string.Format(PublishArgs, PlayerProcess.Quote(url)));

    /// <summary>Starts (or restarts) the publisher and waits until the relay reports it live.</summary>
    public async Task PublishAsync()
    {
        var started = Host.Events.OfType<PublishStarted>().Count();
        _publisher = StartPublisher($"{Host.RtmpBase}/{Stream}?txSecret=x&txTime=y");
        await FfmpegLoopbackTests.WaitUntilAsync(() => Host.Events.OfType<PublishStarted>().Count() > started, TimeSpan.FromSeconds(15));
    }

    /// <summary>
    /// Drops the publisher as a phone losing its network does (the process dies), waits <paramref name="outage"/>
    /// once the relay noticed, and publishes again.
    /// </summary>
    public async Task ReconnectPublisherAsync(TimeSpan outage)
    {
        var stopped = Host.Events.OfType<PublishStopped>().Count();
        await StopPublisherAsync();
        await FfmpegLoopbackTests.WaitUntilAsync(() => Host.Events.OfType<PublishStopped>().Count() > stopped, TimeSpan.FromSeconds(15));
        await Task.Delay(outage);
        await PublishAsync();
    }

    /// <summary>Waits until <paramref name="players"/> play requests reached the relay (players waiting before the publish).</summary>
    public Task WaitForPlayersAsync(int players) =>
        FfmpegLoopbackTests.WaitUntilAsync(
            () => Host.Requests.Count(r => r.Action == CallMedia.Access.MediaAction.Play) >= players, TimeSpan.FromSeconds(15));

    /// <summary>
    /// Waits until <paramref name="viewers"/> viewers of the stream have been sent at least a second of video (25
    /// frames), so that what a test does next (a publisher reconnect) happens while they play.
    /// </summary>
    public Task WaitUntilPlayingAsync(int viewers) =>
        FfmpegLoopbackTests.WaitUntilAsync(
            () => Host.Stats.GetStream(Stream)?.Viewers.Count(v => v.VideoSent >= 25) >= viewers, TimeSpan.FromSeconds(20));

    /// <summary>How the relay saw its viewers end (for failure messages): "viewer id, reason" per stopped play.</summary>
    public string ViewerEndings() =>
        string.Join(", ", Host.Events.OfType<PlayStopped>().Select(e => $"viewer {e.ViewerId} {e.Reason}").DefaultIfEmpty("no viewer ended"));

    private async Task StopPublisherAsync()
    {
        if (_publisher is null)
            return;
        if (!_publisher.HasExited)
            _publisher.Kill(entireProcessTree: true);
        await _publisher.WaitForExitAsync();
        _publisher.Dispose();
        _publisher = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopPublisherAsync();
        await Host.DisposeAsync();
    }
}

using System.Diagnostics;
using CallLoad.Targets;
using RtmpTestClient.Flv;
using RtmpTestClient.Http;
using RtmpTestClient.Recording;
using RtmpTestClient.Rtmp;

namespace CallLoad.Scenarios;

/// <summary>How viewers play.</summary>
public enum ViewerProtocol
{
    /// <summary>RTMP <c>play</c>.</summary>
    Rtmp,
    /// <summary>HTTP-FLV streaming GET (our relay only; Debian's nginx-rtmp has none).</summary>
    Flv,
}

/// <summary>One published stream under test: its publisher, the publishing task and its viewers.</summary>
public sealed class RigStream
{
    /// <summary>The URLs of this stream.</summary>
    public required StreamUrls Urls { get; init; }

    /// <summary>The publisher.</summary>
    public required RtmpPublisher Publisher { get; init; }

    /// <summary>Runs the file at real-time pace.</summary>
    public required Task Publishing { get; init; }

    /// <summary>Viewers of this stream (the peer's player, plus extra ones some scenarios add).</summary>
    public List<IMediaPlayer> Players { get; } = [];
}

/// <summary>
/// Sets up calls on a target: creates them, starts both publishers of each (staggered so keyframes do not all
/// line up), then one RTMP viewer per stream (the peer). Publishers run until the rig is disposed.
/// </summary>
public sealed class MediaRig : IAsyncDisposable
{
    private readonly ITarget _target;
    private readonly CancellationTokenSource _stop = new();

    private MediaRig(ITarget target) => _target = target;

    /// <summary>The calls created.</summary>
    public List<CallUrls> Calls { get; } = [];

    /// <summary>Every stream (two per call).</summary>
    public List<RigStream> Streams { get; } = [];

    /// <summary>Failures while setting up or running (connect refused, publish rejected…).</summary>
    public List<string> Errors { get; } = [];

    /// <summary>Creates <paramref name="calls"/> calls with publishers and, when <paramref name="viewers"/>, one viewer per stream.</summary>
    public static async Task<MediaRig> StartAsync(
        ITarget target, FlvFile file, int calls, bool viewers, RunStatus status, CancellationToken cancellationToken,
        ViewerProtocol protocol = ViewerProtocol.Rtmp)
    {
        var rig = new MediaRig(target);
        var stagger = TimeSpan.FromMilliseconds(2000.0 / Math.Max(1, calls));
        for (var i = 0; i < calls; i++)
        {
            var call = await target.CreateCallAsync(i, cancellationToken).ConfigureAwait(false);
            rig.Calls.Add(call);
            foreach (var urls in new[] { call.A, call.B })
            {
                var publisher = await RtmpPublisher.StartAsync(urls.PushUrl, cancellationToken: cancellationToken).ConfigureAwait(false);
                var publishing = publisher.RunAsync(file, new PublishOptions { Loop = true }, rig._stop.Token);
                rig.Streams.Add(new RigStream { Urls = urls, Publisher = publisher, Publishing = publishing });
            }
            status.Set("publishers", rig.Streams.Count);
            await Task.Delay(stagger, cancellationToken).ConfigureAwait(false);
        }
        if (viewers)
        {
            foreach (var stream in rig.Streams)
            {
                stream.Players.Add(await StartViewerAsync(stream.Urls, protocol, cancellationToken).ConfigureAwait(false));
                status.Set("viewers", rig.Streams.Sum(s => s.Players.Count));
            }
        }
        return rig;
    }

    /// <summary>Starts one viewer of <paramref name="urls"/> over RTMP or HTTP-FLV (when the target offers it).</summary>
    public static async Task<IMediaPlayer> StartViewerAsync(StreamUrls urls, ViewerProtocol protocol, CancellationToken cancellationToken)
    {
        if (protocol == ViewerProtocol.Rtmp)
            return await RtmpPlayer.StartAsync(urls.PlayUrl, cancellationToken: cancellationToken).ConfigureAwait(false);
        var flvUrl = urls.PlayFlvUrl ?? throw new InvalidOperationException("This target offers no HTTP-FLV play URL.");
        var player = await HttpFlvPlayer.StartAsync(flvUrl, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!player.IsSuccess)
        {
            await player.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"HTTP-FLV play refused: {(int)player.StatusCode}");
        }
        return player;
    }

    /// <summary>Adds to <see cref="Errors"/> every publisher that has already failed (closed by the server mid-run).</summary>
    public void CollectPublisherFailures()
    {
        foreach (var stream in Streams.Where(s => s.Publishing.IsFaulted))
            Errors.Add($"publisher {stream.Urls.PushUrl.Split('?')[0]} failed: {stream.Publishing.Exception?.InnerException?.Message}");
    }

    /// <summary>Total media messages received by every viewer so far.</summary>
    public int ReceivedCount() => Streams.Sum(s => s.Players.Sum(p => p.Recorder.Count));

    /// <summary>Viewers whose connection has closed.</summary>
    public int ClosedViewers() => Streams.Sum(s => s.Players.Count(p => p.Closed.IsCompleted));

    /// <summary>Stops publishing, closes everything and hangs up the calls.</summary>
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        foreach (var stream in Streams)
        {
            try
            {
                await stream.Publishing.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
            {
                // The server closed the publisher (kicked, call ended): already visible in the viewers' figures.
                Errors.Add($"publisher {stream.Urls.PushUrl.Split('?')[0]}: {ex.Message}");
            }
            foreach (var player in stream.Players)
                await player.DisposeAsync().ConfigureAwait(false);
            await stream.Publisher.DisposeAsync().ConfigureAwait(false);
        }
        foreach (var call in Calls)
            await _target.EndCallAsync(call, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Now, in <see cref="Stopwatch"/> ticks.</summary>
    public static long Now => Stopwatch.GetTimestamp();

    /// <summary><paramref name="time"/> in <see cref="Stopwatch"/> ticks.</summary>
    public static long Ticks(TimeSpan time) => (long)(time.TotalSeconds * Stopwatch.Frequency);
}

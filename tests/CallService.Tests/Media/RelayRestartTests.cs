using CallMedia.Access;
using CallMedia.Events;
using CallService.Media.ProcessMode;
using Microsoft.Extensions.Configuration;

namespace CallService.Tests.Media;

/// <summary>
/// The parts of a relay restart that need no process: the back-off (<see cref="RelayRestartOptions"/>), what the
/// coordinator reports lost (<see cref="RelayLiveStreams"/>), and the same ports for the new relay (<see cref="RelayLaunch"/>).
/// </summary>
public sealed class RelayRestartTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);

    private static IConfiguration Settings(params (string Key, string Value)[] pairs) =>
        new ConfigurationBuilder().AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value))).Build();

    [Fact]
    public void Backoff_DoublesFromTheFirstDelay_UpToTheLargest()
    {
        var options = RelayRestartOptions.From(Settings(("Media:RelayRestart:InitialDelayMs", "500"), ("Media:RelayRestart:MaxDelayMs", "3000")));
        Assert.Equal([500, 1000, 2000, 3000, 3000], Enumerable.Range(0, 5).Select(a => options.DelayOf(a).TotalMilliseconds));
        var defaults = RelayRestartOptions.From(Settings());
        Assert.Equal((500, 30_000), (defaults.InitialDelay.TotalMilliseconds, defaults.MaxDelay.TotalMilliseconds));
        Assert.Equal(30_000, defaults.DelayOf(1000).TotalMilliseconds);
    }

    [Theory]
    [InlineData("Media:RelayRestart:InitialDelayMs", "-1")]
    [InlineData("Media:RelayRestart:InitialDelayMs", "soon")]
    [InlineData("Media:RelayRestart:MaxDelayMs", "700000")]
    public void Backoff_OutOfRange_FailsTheStart(string key, string value) =>
        Assert.Throws<InvalidOperationException>(() => RelayRestartOptions.From(Settings((key, value))));

    [Fact]
    public void Lost_StopsEveryLivePublisherAndViewer_Once()
    {
        var live = new RelayLiveStreams();
        live.Observe(new PublishStarted("c1-a", At, 1, null));
        live.Observe(new PublishStarted("c1-b", At, 2, null));
        live.Observe(new PublishStarted("c2-a", At, 3, null));
        live.Observe(new PublishStopped("c2-a", At, 3, "unpublish"));
        live.Observe(new PublishStarted("c1-b", At, 4, null));     // a takeover: session 4 is the live one
        live.Observe(new PublishStopped("c1-b", At, 2, "replaced"));
        live.Observe(new PlayStarted("c1-a", At, 10, MediaTransport.Rtmp));
        live.Observe(new PlayStarted("c1-b", At, 11, MediaTransport.HttpFlv));
        live.Observe(new PlayStopped("c1-b", At, 11, "closed"));

        var lost = live.Lost(At);
        Assert.Equal(
            [
                new PlayStopped("c1-a", At, 10, "closed"),
                new PublishStopped("c1-a", At, 1, "closed"),
                new PublishStopped("c1-b", At, 4, "closed"),
            ],
            lost.OrderBy(e => e is PublishStopped).ThenBy(e => e.StreamName).ToArray());
        Assert.Empty(live.Lost(At));
    }

    [Fact]
    public void Restart_PassesTheBoundPorts_InsteadOfTheConfiguredOnes()
    {
        var info = RelayLaunch.StartInfo(
            Settings(("Media:Rtmp:Port", "0"), ("Media:Flv:Port", "0"), ("Media:RelayRestart:InitialDelayMs", "100")), "/tmp/s",
            new Dictionary<string, string> { ["Media:Rtmp:Port"] = "41935", ["Media:Flv:Port"] = "48080" });
        Assert.Equal("41935", info.Environment["Media__Rtmp__Port"]);
        Assert.Equal("48080", info.Environment["Media__Flv__Port"]);
        Assert.False(info.Environment.ContainsKey("Media__RelayRestart__InitialDelayMs"), "the coordinator's own key stays here");
    }
}

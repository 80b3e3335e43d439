using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using CallMedia.Stats;
using Xunit.Abstractions;

namespace CallMedia.Tests.Loopback;

/// <summary>
/// The relay's metrics (meter <c>CallService.Media</c>) against what its per-viewer stats say, with a viewer on a link at
/// a quarter of the stream's rate (so the drop policy drops video) next to a normal one.
/// </summary>
public sealed class RelayMetricsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Metrics_CountPublishersViewersBytes_AndTheSlowViewersDrops_AsItsStatsDo()
    {
        await using var host = await RelayHost.StartAsync();
        using var metrics = new RelayMeterReader(host.Service<IMeterFactory>());
        await using var pub = await RtmpPeer.ConnectAsync(host.RtmpEndPoint);
        Assert.Equal("NetStream.Publish.Start", await pub.PublishAsync("m?txSecret=x&txTime=y"));
        var publisher = new SyntheticPublisher(pub, keyBytes: 8_000);
        await publisher.SendHeadersAsync();
        const int streamBytesPerSecond = 8_000 + 24 * 2_500 + 50 * 160;
        await using var slow = await RtmpPeer.ConnectAsync(host.RtmpEndPoint, receiveBuffer: 4096, readBytesPerSecond: streamBytesPerSecond / 4);
        await using var normal = await RtmpPeer.ConnectAsync(host.RtmpEndPoint);
        Assert.Equal("NetStream.Play.Reset", await slow.PlayAsync("m?txSecret=p&txTime=q"));
        Assert.Equal("NetStream.Play.Reset", await normal.PlayAsync("m?txSecret=p&txTime=q"));

        await publisher.RunAsync(6_000, CancellationToken.None);
        await Task.Delay(1500);
        var observed = metrics.Observe();
        var stats = host.Stats.GetStream("m")!;
        output.WriteLine(string.Join("\n", observed.Select(kv => $"{kv.Key} = {kv.Value}")));

        Assert.Equal(1, observed["publishers"]);
        Assert.Equal(2, observed["viewers protocol=rtmp"]);
        Assert.Equal(0, observed["viewers protocol=flv"]);
        Assert.True(observed["bytes.in"] > 6 * streamBytesPerSecond * 0.8, "bytes in: about the stream's 6 s");
        Assert.True(observed["bytes.out"] > observed["bytes.in"], "two viewers get more than one publisher sends");
        var videoDropped = stats.Viewers.Sum(v => v.VideoDropped);
        Assert.True(videoDropped > 0, "the slow viewer's video was dropped");
        Assert.Equal(videoDropped, observed["drops kind=video"]);
        Assert.Equal(stats.Viewers.Sum(v => v.AudioDropped), observed["drops kind=audio"]);

        // Queue delay: sampled per viewer each second; the slow viewer's runs far above the normal one's.
        var delays = metrics.QueueDelays.ToList();
        output.WriteLine("queue delays (s): " + string.Join(" ", delays.Select(d => d.ToString("0.000"))));
        Assert.True(delays.Count >= 6, $"about one sample per viewer per second ({delays.Count})");
        Assert.Contains(delays, d => d >= 0.1);
        Assert.Contains(delays, d => d < 0.05);
    }

    /// <summary>Listens to this relay's <c>CallService.Media</c> meter (its host's <see cref="IMeterFactory"/>) as the exporter does.</summary>
    private sealed class RelayMeterReader : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, double> _last = new();

        public RelayMeterReader(IMeterFactory meters)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == RelayMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, meters))
                    listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => _last[Key(i, tags)] = v);
            _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => _last[Key(i, tags)] = v);
            _listener.SetMeasurementEventCallback<double>((i, v, _, _) => { if (i is Histogram<double>) QueueDelays.Enqueue(v); });
            _listener.Start();
        }

        public ConcurrentQueue<double> QueueDelays { get; } = new();

        public IReadOnlyDictionary<string, double> Observe()
        {
            _listener.RecordObservableInstruments();
            return new Dictionary<string, double>(_last);
        }

        private static string Key(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var key = instrument.Name;
            foreach (var tag in tags) key += $" {tag.Key}={tag.Value}";
            return key;
        }

        public void Dispose() => _listener.Dispose();
    }
}

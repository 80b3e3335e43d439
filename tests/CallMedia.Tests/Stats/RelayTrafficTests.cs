using CallMedia.Delivery;
using CallMedia.Stats;

namespace CallMedia.Tests.Stats;

/// <summary>The relay's totals for its metrics: open connections plus what closed ones left, never going down.</summary>
public sealed class RelayTrafficTests
{
    private sealed class Connection(long received) : IConnectionTraffic
    {
        public long Received = received;
        public long BytesReceived => Received;
        public ViewerCounters Sent { get; } = new();
    }

    [Fact]
    public void Totals_SumOpenConnections_AndKeepWhatClosedOnesMoved()
    {
        var traffic = new RelayTraffic();
        var publisher = new Connection(1000);
        var viewer = new Connection(50);
        viewer.Sent.BytesWritten = 800;
        viewer.Sent.VideoDropped = 3;
        viewer.Sent.AudioDropped = 1;
        traffic.Opened(publisher);
        traffic.Opened(viewer);

        Assert.Equal(new TrafficTotals(1050, 800, 1, 3), traffic.Read());

        viewer.Sent.BytesWritten = 900;
        traffic.Closed(viewer);
        traffic.Closed(viewer); // a second close changes nothing
        publisher.Received = 1500;
        Assert.Equal(new TrafficTotals(1550, 900, 1, 3), traffic.Read());

        traffic.Closed(publisher);
        Assert.Equal(new TrafficTotals(1550, 900, 1, 3), traffic.Read());
    }

    [Fact]
    public void Totals_NeverGoDown_EvenWhenAConnectionsCounterReadsLower()
    {
        var traffic = new RelayTraffic();
        var viewer = new Connection(0);
        traffic.Opened(viewer);
        viewer.Sent.BytesWritten = 5000;
        Assert.Equal(5000, traffic.Read().BytesOut);

        viewer.Sent.BytesWritten = 4000; // a reset would read as a counter restart in Prometheus
        Assert.Equal(5000, traffic.Read().BytesOut);
        viewer.Sent.BytesWritten = 6000;
        Assert.Equal(6000, traffic.Read().BytesOut);
    }
}

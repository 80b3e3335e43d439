using System.Net;
using BenchmarkDotNet.Attributes;
using CallMedia.Access;
using CallMedia.Delivery;
using CallMedia.Media;
using CallMedia.Relay;

namespace CallMedia.Benchmarks;

/// <summary>
/// One media message from the publisher to N viewers: classification is done, the relay stream offers the shared
/// payload to every viewer's queue (drop policy included) and each viewer's writer drains it, as on the steady path
/// of a live stream. Per operation = one message (an inter frame of 2.7 KB, then an audio frame every other op).
/// The steady path must allocate nothing: the payload is pooled and shared, queue items are structs in reused lists.
/// </summary>
[MemoryDiagnoser]
public class FanOutBenchmarks
{
    private sealed class Publisher : IPublisherSession
    {
        public long SessionId => 1;
        public EndPoint? Remote => null;
        public void Kick(DisconnectReason reason) { }
    }

    private readonly Publisher _publisher = new();
    private readonly List<Viewer> _tooSlow = new();
    private readonly List<DeliveryItem> _batch = new(64);
    private RelayStream _stream = null!;
    private Viewer[] _viewers = [];
    private uint _ts;
    private long _op;

    [Params(1, 2, 16)]
    public int Viewers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _stream = new RelayStream("bench") { MaxStartLatencyMs = 500 };
        _stream.TryAttachPublisher(_publisher, 1500, out _);
        Send(FrameClass.Metadata, 0, 32);
        Send(FrameClass.AudioSequenceHeader, 0, 4);
        Send(FrameClass.VideoSequenceHeader, 0, 40);
        _viewers = new Viewer[Viewers];
        for (var i = 0; i < Viewers; i++)
        {
            _viewers[i] = new Viewer(Viewer.NextId(), "bench", MediaTransport.Rtmp, null,
                new ViewerQueue(new DropLimits(250, 375, 500, 3000, 4 << 20)));
            _stream.AttachViewer(_viewers[i], 500);
        }
        _ts = 40;
        Send(FrameClass.KeyFrame, _ts, 19_000);
        DrainAll();
        // Warm the queues' lists and the rate estimate past their first growth.
        for (var i = 0; i < 200; i++)
            FanOutOneMessage();
    }

    [Benchmark]
    public void FanOutOneMessage()
    {
        // 40 ms per video frame, an audio frame in between: timestamps advance like a live stream.
        if ((_op++ & 1) == 0)
        {
            _ts += 20;
            Send(FrameClass.Audio, _ts, 170);
        }
        else
        {
            _ts += 20;
            Send(FrameClass.InterFrame, _ts, 2_700);
        }
        DrainAll();
    }

    private void Send(FrameClass frameClass, uint ts, int size)
    {
        var buffer = MediaBuffer.Rent(size);
        _stream.OnMedia(_publisher, new MediaPacket(frameClass, ts, buffer), _tooSlow);
    }

    private void DrainAll()
    {
        foreach (var viewer in _viewers)
        {
            viewer.Queue.Drain(_batch, int.MaxValue, 64);
            foreach (var item in _batch)
                item.Payload.Release();
            _batch.Clear();
        }
    }
}

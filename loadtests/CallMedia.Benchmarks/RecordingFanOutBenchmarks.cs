using System.Diagnostics.Metrics;
using System.Net;
using BenchmarkDotNet.Attributes;
using CallMedia.Access;
using CallMedia.Delivery;
using CallMedia.Media;
using CallMedia.Recording;
using CallMedia.Relay;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallMedia.Benchmarks;

/// <summary>
/// What a recording adds per relayed message: the same message stream as <see cref="FanOutBenchmarks"/> to one viewer,
/// without and with a recording of the stream. With one, the publisher's path adds the recording's enqueue, and every
/// 16 messages the writer's work runs in place of its timer (frame the tags, one <c>write</c> — to <c>/dev/null</c>, so
/// the syscall is real and no disk fills up —, release the payloads) — about what one 250 ms write holds for a 600 kbit/s call leg (≈ 18 messages).
/// </summary>
[MemoryDiagnoser]
public class RecordingFanOutBenchmarks
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
    private Viewer _viewer = null!;
    private StreamRecording? _recording;
    private ServiceProvider? _services;
    private uint _ts;
    private long _op;

    [Params(false, true)]
    public bool Recorded { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _stream = new RelayStream("bench") { MaxStartLatencyMs = 500 };
        _stream.TryAttachPublisher(_publisher, 1500, out _);
        if (Recorded)
        {
            _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
            // /dev/null: the write syscall is real, the bytes go nowhere (millions of messages per run).
            var file = new RecordingFile("/dev/null", new FileStream("/dev/null", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1));
            _recording = new StreamRecording("bench", file, new RecordingOptions(), TimeProvider.System,
                NullLogger.Instance, new RecordingMetrics(_services.GetRequiredService<IMeterFactory>(), () => 1), () => (true, true));
            _stream.TryAttachRecording(_recording);
        }
        Send(FrameClass.Metadata, 0, 32);
        Send(FrameClass.AudioSequenceHeader, 0, 4);
        Send(FrameClass.VideoSequenceHeader, 0, 40);
        _viewer = new Viewer(Viewer.NextId(), "bench", MediaTransport.Rtmp, null, new ViewerQueue(new DropLimits(250, 375, 500, 3000, 4 << 20)));
        _stream.AttachViewer(_viewer, 500);
        _ts = 40;
        Send(FrameClass.KeyFrame, _ts, 19_000);
        Drain();
        for (var i = 0; i < 200; i++)
            FanOutOneMessage();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_recording is not null)
        {
            _stream.DetachRecording(_recording);
            _recording.Stop();
        }
        _services?.Dispose();
    }

    [Benchmark]
    public void FanOutOneMessage()
    {
        _ts += 20;
        if ((_op++ & 1) == 0)
            Send(FrameClass.Audio, _ts, 170);
        else
            Send(FrameClass.InterFrame, _ts, 2_700);
        Drain();
        if (_recording is not null && (_op & 15) == 0)
            _recording.WriteQueued();
    }

    private void Send(FrameClass frameClass, uint ts, int size) =>
        _stream.OnMedia(_publisher, new MediaPacket(frameClass, ts, MediaBuffer.Rent(size)), _tooSlow);

    private void Drain()
    {
        _viewer.Queue.Drain(_batch, int.MaxValue, 64);
        foreach (var item in _batch)
            item.Payload.Release();
        _batch.Clear();
    }
}

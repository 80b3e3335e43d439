using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using CallMedia.Access;
using CallMedia.Control;
using CallMedia.Events;
using CallMedia.Hosting;
using CallMedia.Hosting.ControlLink;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace CallMedia.Tests.Hosting;

/// <summary>The control channel between the coordinator and a relay process: framing, request/answer, one-way order, closing.</summary>
public sealed class ControlChannelTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    /// <summary>Two connected stream ends over a real Unix domain socket pair.</summary>
    private static (Stream A, Stream B) Pair()
    {
        var path = Path.Combine(Path.GetTempPath(), "cc-" + Guid.NewGuid().ToString("N")[..12] + ".sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        client.Connect(new UnixDomainSocketEndPoint(path));
        var server = listener.Accept();
        File.Delete(path);
        return (new NetworkStream(client, ownsSocket: true), new NetworkStream(server, ownsSocket: true));
    }

    private static ControlChannel Channel(Stream stream, Func<ControlMessage, ControlMessage>? answer = null, Action<ControlMessage>? onMessage = null)
    {
        var channel = new ControlChannel(stream,
            (request, _) => ValueTask.FromResult(answer?.Invoke(request) ?? new ControlMessage { Error = "no handler" }),
            onMessage ?? (_ => { }), NullLogger.Instance);
        channel.Start();
        return channel;
    }

    [Fact]
    public async Task Frame_IsBigEndianLengthThenJson_AndReadsBack()
    {
        var frame = ControlFraming.Encode(new ControlMessage { Kind = ControlKind.DisconnectStream, Id = 7, Stream = "c1-a", Text = "kicked" });
        Assert.Equal(frame.Length - 4, BinaryPrimitives.ReadInt32BigEndian(frame));
        Assert.Equal((byte)'{', frame[4]);
        var back = await ControlFraming.ReadAsync(new MemoryStream(frame), CancellationToken.None);
        Assert.NotNull(back);
        Assert.Equal(ControlKind.DisconnectStream, back.Kind);
        Assert.Equal(7, back.Id);
        Assert.Equal("c1-a", back.Stream);
        Assert.Equal("kicked", back.Text);
        Assert.Null(await ControlFraming.ReadAsync(new MemoryStream(), CancellationToken.None)); // clean end
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0 })]                 // header cut
    [InlineData(new byte[] { 0, 0, 0, 5, (byte)'{' })]   // body cut
    [InlineData(new byte[] { 0xFF, 0, 0, 0 })]           // negative length
    [InlineData(new byte[] { 0, 0, 0, 2, (byte)'[', (byte)']' })] // not an object
    public async Task BadFrame_IsRefused(byte[] bytes) =>
        await Assert.ThrowsAsync<InvalidDataException>(async () => await ControlFraming.ReadAsync(new MemoryStream(bytes), CancellationToken.None));

    [Fact]
    public async Task Request_GetsTheAnswerWithItsId_WhileOthersAreOutstanding()
    {
        var (a, b) = Pair();
        await using var coordinator = Channel(a, request => new ControlMessage { Allowed = request.Access!.StreamName.EndsWith("-a", StringComparison.Ordinal), Error = "not_issued" });
        await using var relay = Channel(b);
        var asks = Enumerable.Range(0, 20).Select(i => relay.RequestAsync(new ControlMessage
        {
            Kind = ControlKind.Access,
            Access = MediaEventMapping.ToData(new StreamAccessRequest(MediaAction.Play, "live", i % 2 == 0 ? $"c{i}-a" : $"c{i}-b", "txSecret=x",
                MediaTransport.HttpFlv, new IPEndPoint(IPAddress.Loopback, 5000 + i))),
        }, Bound)).ToArray();
        var answers = await Task.WhenAll(asks);
        for (var i = 0; i < answers.Length; i++)
        {
            Assert.Equal(ControlKind.Answer, answers[i].Kind);
            Assert.Equal(i % 2 == 0, answers[i].Allowed);
        }
    }

    [Fact]
    public async Task AccessRequest_CrossesWithEveryField()
    {
        var (a, b) = Pair();
        StreamAccessRequest? seen = null;
        await using var coordinator = Channel(a, request =>
        {
            seen = MediaEventMapping.FromData(request.Access!);
            return new ControlMessage { Allowed = true };
        });
        await using var relay = Channel(b);
        var sent = new StreamAccessRequest(MediaAction.Publish, "live", "abc-a", "txSecret=1&txTime=2", MediaTransport.Rtmp, new IPEndPoint(IPAddress.Loopback, 40000));
        await relay.RequestAsync(new ControlMessage { Kind = ControlKind.Access, Access = MediaEventMapping.ToData(sent) }, Bound);
        Assert.Equal(sent, seen);
    }

    [Fact]
    public async Task OneWayEvents_ArriveInOrder_WithTheirFields()
    {
        var (a, b) = Pair();
        var received = new List<MediaEvent>();
        var all = new TaskCompletionSource();
        const int count = 500;
        await using var coordinator = Channel(a, onMessage: message =>
        {
            received.Add(MediaEventMapping.FromData(message.Event!)!);
            if (received.Count == count) all.TrySetResult();
        });
        await using var relay = Channel(b);
        var at = new DateTimeOffset(2026, 12, 2, 5, 0, 0, TimeSpan.Zero);
        var sent = Enumerable.Range(0, count).Select<int, MediaEvent>(i => (i % 4) switch
        {
            0 => new PublishStarted($"s{i}", at.AddMilliseconds(i), i, new IPEndPoint(IPAddress.Loopback, 1000 + i)),
            1 => new PlayStarted($"s{i}", at.AddMilliseconds(i), i, MediaTransport.HttpFlv),
            2 => new PublishStalled($"s{i}", at.AddMilliseconds(i), i, 1600),
            _ => new PlayStopped($"s{i}", at.AddMilliseconds(i), i, "too_slow"),
        }).ToList();
        foreach (var e in sent)
            Assert.True(relay.Post(new ControlMessage { Kind = ControlKind.Event, Event = MediaEventMapping.ToData(e) }));
        await all.Task.WaitAsync(Bound);
        Assert.Equal(sent, received);
    }

    [Fact]
    public async Task StatsAndRecordingAnswers_CrossIntact()
    {
        var (a, b) = Pair();
        var stats = new MediaStreamStats("c-a", true, "127.0.0.1:1", "avc", 100, 31, 640, 360, "aac", 44100, 2, 25, 2000, 64, 600,
            [new MediaViewerStats(3, MediaTransport.Rtmp, 10, 0, 20, 1, 30000, 12, 40)]);
        var summary = new RecordingSummary("/tmp/x.flv", 1234, 0, 4000, new DateTimeOffset(2026, 12, 2, 5, 0, 0, TimeSpan.Zero)) { DroppedTags = 2, Gaps = 1 };
        var gop = new byte[] { 0x46, 0x4C, 0x56, 1, 5 };
        await using var relay = Channel(b, request => request.Kind switch
        {
            ControlKind.Stats => new ControlMessage { Stats = stats },
            ControlKind.StopRecording => new ControlMessage { Recording = summary },
            _ => new ControlMessage { Bytes = gop },
        });
        await using var coordinator = Channel(a);
        var gotStats = (await coordinator.RequestAsync(new ControlMessage { Kind = ControlKind.Stats, Stream = "c-a" }, Bound)).Stats;
        Assert.NotNull(gotStats);
        Assert.Equal(stats with { Viewers = [] }, gotStats with { Viewers = [] });
        Assert.Equal(stats.Viewers, gotStats.Viewers);
        Assert.Equal(summary, (await coordinator.RequestAsync(new ControlMessage { Kind = ControlKind.StopRecording, Stream = "c-a" }, Bound)).Recording);
        Assert.Equal(gop, (await coordinator.RequestAsync(new ControlMessage { Kind = ControlKind.CaptureLatestGop, Stream = "c-a" }, Bound)).Bytes);
    }

    [Fact]
    public async Task PeerGone_FailsPendingAndLaterRequests_AndCompletes()
    {
        var (a, b) = Pair();
        var never = new TaskCompletionSource<ControlMessage>();
        var peer = new ControlChannel(a, (_, _) => new ValueTask<ControlMessage>(never.Task), _ => { }, NullLogger.Instance);
        peer.Start();
        await using var relay = Channel(b);
        var pending = relay.RequestAsync(new ControlMessage { Kind = ControlKind.Access }, Bound);
        await peer.DisposeAsync(); // the coordinator dies: its end of the socket closes
        await Assert.ThrowsAsync<ControlChannelClosedException>(() => pending);
        await relay.Completion.WaitAsync(Bound);
        Assert.False(relay.IsOpen);
        Assert.False(relay.Post(new ControlMessage { Kind = ControlKind.Event }));
        await Assert.ThrowsAsync<ControlChannelClosedException>(() => relay.RequestAsync(new ControlMessage { Kind = ControlKind.Access }, Bound));
    }

    [Fact]
    public async Task NoAnswer_TimesOut()
    {
        var (a, b) = Pair();
        var never = new TaskCompletionSource<ControlMessage>();
        await using var peer = new ControlChannel(a, (_, _) => new ValueTask<ControlMessage>(never.Task), _ => { }, NullLogger.Instance);
        peer.Start();
        await using var relay = Channel(b);
        await Assert.ThrowsAsync<TimeoutException>(() => relay.RequestAsync(new ControlMessage { Kind = ControlKind.Access }, TimeSpan.FromMilliseconds(200)));
        Assert.True(relay.IsOpen);
    }

    [Fact]
    public async Task OrderedRequests_AreAnsweredOneAtATime_InTheOrderSent()
    {
        var (a, b) = Pair();
        var handled = new List<string>();
        var running = 0;
        var overlapped = false;
        await using var relay = new ControlChannel(b, async (request, _) =>
        {
            if (Interlocked.Increment(ref running) > 1) overlapped = true;
            // the first command takes longest: without ordering the others would overtake it
            await Task.Delay(request.Stream == "s0" ? 200 : 5);
            lock (handled) handled.Add(request.Stream!);
            Interlocked.Decrement(ref running);
            return new ControlMessage { Count = 1 };
        }, _ => { }, NullLogger.Instance, orderedRequests: true);
        relay.Start();
        await using var coordinator = Channel(a);

        var sent = Enumerable.Range(0, 20).Select(i => coordinator.RequestAsync(
            new ControlMessage { Kind = ControlKind.DisconnectStream, Stream = $"s{i}" }, Bound)).ToArray();
        var answers = await Task.WhenAll(sent);

        Assert.All(answers, answer => Assert.Equal(1, answer.Count));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"s{i}"), handled);
        Assert.False(overlapped, "two requests were handled at once");
    }

    [Fact]
    public async Task Metrics_CrossTheWire_WithTagsAndSamples()
    {
        var sent = new ControlMessage
        {
            Kind = ControlKind.Metrics,
            Metrics =
            [
                new InstrumentSnapshot("CallService.Media", "viewers", InstrumentKind.Gauge, "{viewer}", "Viewers.", null,
                    [new MetricPoint(new Dictionary<string, string> { ["protocol"] = "rtmp" }, 3)]),
                new InstrumentSnapshot("CallService.Media", "viewer.queue.delay", InstrumentKind.Histogram, "s", null, [0.01, 0.1],
                    [new MetricPoint(new Dictionary<string, string>(), 0, [0.004, 0.2])]),
            ],
        };
        var back = (await ControlFraming.ReadAsync(new MemoryStream(ControlFraming.Encode(sent)), CancellationToken.None))!;
        Assert.Equal(ControlKind.Metrics, back.Kind);
        var viewers = back.Metrics![0];
        Assert.Equal(("viewers", InstrumentKind.Gauge, "{viewer}", "Viewers."), (viewers.Name, viewers.Kind, viewers.Unit, viewers.Description));
        Assert.Equal("rtmp", viewers.Points[0].Tags["protocol"]);
        Assert.Equal(3, viewers.Points[0].Value);
        Assert.Null(viewers.Points[0].Samples);
        var delay = back.Metrics[1];
        Assert.Equal([0.01, 0.1], delay.Buckets!);
        Assert.Equal([0.004, 0.2], delay.Points[0].Samples!);
    }
}

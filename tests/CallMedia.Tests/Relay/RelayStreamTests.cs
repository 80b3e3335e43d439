using System.Net;
using CallMedia.Access;
using CallMedia.Delivery;
using CallMedia.Media;
using CallMedia.Relay;

namespace CallMedia.Tests.Relay;

/// <summary>Per-stream fan-out: start points for joining viewers, header resend, publisher switch.</summary>
public sealed class RelayStreamTests
{
    private sealed class FakePublisher(long id) : IPublisherSession
    {
        public long SessionId => id;
        public EndPoint? Remote => null;
        public DisconnectReason? KickedFor;
        public void Kick(DisconnectReason reason) => KickedFor = reason;
    }

    private readonly RelayStream _stream = new("s") { MaxStartLatencyMs = 500 };
    private readonly List<Viewer> _tooSlow = new();

    private static Viewer NewViewer() =>
        new(Viewer.NextId(), "s", MediaTransport.Rtmp, null, new ViewerQueue(new DropLimits(250, 375, 500, 3000, 1 << 20)));

    private void Send(IPublisherSession publisher, FrameClass frameClass, uint ts, byte marker = 0)
    {
        var buffer = MediaBuffer.Rent(4);
        buffer.Array[0] = marker;
        _stream.OnMedia(publisher, new MediaPacket(frameClass, ts, buffer), _tooSlow,
            metadataAudio: frameClass == FrameClass.Metadata, metadataVideo: frameClass == FrameClass.Metadata);
    }

    private void SendHeaders(IPublisherSession publisher)
    {
        Send(publisher, FrameClass.Metadata, 0);
        Send(publisher, FrameClass.AudioSequenceHeader, 0);
        Send(publisher, FrameClass.VideoSequenceHeader, 0);
    }

    private static List<(FrameClass Class, uint Ts)> Drain(Viewer viewer)
    {
        var batch = new List<DeliveryItem>();
        viewer.Queue.Drain(batch, int.MaxValue, int.MaxValue);
        var result = batch.Select(i => (i.Class, i.Timestamp)).ToList();
        foreach (var item in batch) item.Payload.Release();
        return result;
    }

    [Fact]
    public void AttachViewer_LiveStreamWithYoungKeyFrame_GetsHeadersThenTheCurrentGop()
    {
        var publisher = new FakePublisher(1);
        Assert.Equal(PublishAttempt.Started, _stream.TryAttachPublisher(publisher, 1500, out _));
        SendHeaders(publisher);
        Send(publisher, FrameClass.InterFrame, 0); // before any key frame: not a start point
        Send(publisher, FrameClass.KeyFrame, 40);
        Send(publisher, FrameClass.Audio, 50);
        Send(publisher, FrameClass.InterFrame, 80);

        var viewer = NewViewer();
        _stream.AttachViewer(viewer, 500);
        Assert.Equal(
            [(FrameClass.Metadata, 40u), (FrameClass.AudioSequenceHeader, 40u), (FrameClass.VideoSequenceHeader, 40u),
             (FrameClass.KeyFrame, 40u), (FrameClass.Audio, 50u), (FrameClass.InterFrame, 80u)],
            Drain(viewer));
    }

    [Fact]
    public void AttachViewer_KeyFrameTooOld_GetsHeadersThenWaitsForTheNextKeyFrame()
    {
        var publisher = new FakePublisher(1);
        _stream.TryAttachPublisher(publisher, 1500, out _);
        SendHeaders(publisher);
        Send(publisher, FrameClass.KeyFrame, 0);
        var viewer = NewViewer();
        _stream.AttachViewer(viewer, maxStartLatencyMs: -1); // any cached key frame is too old
        Send(publisher, FrameClass.Audio, 20);
        Send(publisher, FrameClass.InterFrame, 40);
        Send(publisher, FrameClass.KeyFrame, 1000);
        Send(publisher, FrameClass.Audio, 1020);
        Assert.Equal(
            [(FrameClass.Metadata, 0u), (FrameClass.AudioSequenceHeader, 0u), (FrameClass.VideoSequenceHeader, 0u),
             (FrameClass.KeyFrame, 1000u), (FrameClass.Audio, 1020u)],
            Drain(viewer));
    }

    [Fact]
    public void Viewer_BeforePublish_IsHeldAndStartsAtTheFirstKeyFrame()
    {
        var viewer = NewViewer();
        _stream.AttachViewer(viewer, 500);
        var publisher = new FakePublisher(1);
        _stream.TryAttachPublisher(publisher, 1500, out _);
        SendHeaders(publisher);
        Send(publisher, FrameClass.Audio, 0);
        Send(publisher, FrameClass.KeyFrame, 10);
        Assert.Equal(
            [(FrameClass.Metadata, 0u), (FrameClass.AudioSequenceHeader, 0u), (FrameClass.VideoSequenceHeader, 0u), (FrameClass.KeyFrame, 10u)],
            Drain(viewer));
    }

    [Fact]
    public void Publisher_Replaced_OnlyWhenStale_AndTimestampsContinue()
    {
        var viewer = NewViewer();
        _stream.AttachViewer(viewer, 500);
        var first = new FakePublisher(1);
        _stream.TryAttachPublisher(first, 1500, out _);
        SendHeaders(first);
        Send(first, FrameClass.KeyFrame, 5000);
        Send(first, FrameClass.Audio, 5020);

        var second = new FakePublisher(2);
        Assert.Equal(PublishAttempt.Busy, _stream.TryAttachPublisher(second, 1500, out _));
        Assert.Equal(PublishAttempt.Started, _stream.TryAttachPublisher(second, staleMs: 0, out var replaced));
        Assert.Same(first, replaced);
        Send(first, FrameClass.Audio, 5040); // a late packet of the replaced publisher is ignored
        SendHeaders(second);
        Send(second, FrameClass.InterFrame, 0); // video waits for a key frame after the switch
        Send(second, FrameClass.KeyFrame, 40);

        var items = Drain(viewer);
        Assert.DoesNotContain(items, i => i.Ts == 5040);
        Assert.DoesNotContain(items, i => i.Class == FrameClass.InterFrame);
        var key = items.Last(i => i.Class == FrameClass.KeyFrame);
        Assert.True(key.Ts >= 5060, $"timestamps continue after the switch, got {key.Ts}");
    }

    [Fact]
    public void KeyFrame_AfterVideoDrops_IsPrecededByTheVideoSequenceHeader()
    {
        var publisher = new FakePublisher(1);
        _stream.TryAttachPublisher(publisher, 1500, out _);
        SendHeaders(publisher);
        Send(publisher, FrameClass.KeyFrame, 0);
        var viewer = NewViewer();
        _stream.AttachViewer(viewer, 500);
        Drain(viewer);
        viewer.Queue.RequireKeyFrame(); // as after a drop
        Send(publisher, FrameClass.InterFrame, 40);
        Send(publisher, FrameClass.KeyFrame, 80);
        Assert.Equal([(FrameClass.VideoSequenceHeader, 80u), (FrameClass.KeyFrame, 80u)], Drain(viewer));
    }
}

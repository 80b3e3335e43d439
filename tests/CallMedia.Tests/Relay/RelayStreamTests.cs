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
        buffer.Array.AsSpan(0, 4).Clear(); // pooled: equal content must mean equal markers
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

    /// <summary>
    /// A viewer that watched 7.6 s of a publisher (25 fps video, a key frame each second, two AAC frames per video
    /// frame: the last audio sent is at 7623 ms) until the publisher dropped; what it got is drained.
    /// </summary>
    private Viewer ViewerOfDroppedPublisher()
    {
        var viewer = NewViewer();
        _stream.AttachViewer(viewer, 500);
        var first = new FakePublisher(1);
        _stream.TryAttachPublisher(first, 1500, out _);
        SendHeaders(first);
        for (uint ts = 0; ts <= 7600; ts += 40)
        {
            Send(first, ts % 1000 == 0 ? FrameClass.KeyFrame : FrameClass.InterFrame, ts);
            Send(first, FrameClass.Audio, ts + 3);
            Send(first, FrameClass.Audio, ts + 23);
        }
        _stream.DetachPublisher(first);
        Drain(viewer);
        return viewer;
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
    public void AttachViewer_LiveStreamWithYoungKeyFrame_GetsMetadataAtZeroAndHeadersStampedLikeTheGop()
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
            [(FrameClass.Metadata, 0u), (FrameClass.AudioSequenceHeader, 40u), (FrameClass.VideoSequenceHeader, 40u),
             (FrameClass.KeyFrame, 40u), (FrameClass.Audio, 50u), (FrameClass.InterFrame, 80u)],
            Drain(viewer));
    }

    [Fact]
    public void AttachViewer_KeyFrameTooOld_WaitsForTheNextKeyFrame_HeadersStampedLikeIt()
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
            [(FrameClass.Metadata, 0u), (FrameClass.AudioSequenceHeader, 1000u), (FrameClass.VideoSequenceHeader, 1000u),
             (FrameClass.KeyFrame, 1000u), (FrameClass.Audio, 1020u)],
            Drain(viewer));
    }

    [Theory]
    [InlineData(500, true)]  // the key frame arrived MaxStartLatencyMs ago: still the start
    [InlineData(501, false)] // a millisecond older: the viewer waits for the next one
    public void AttachViewer_StartsAtTheCachedKeyFrame_OnlyWhileItIsYoungerThanTheStartLatency_ByTheRelaysClock(int ageMs, bool cached)
    {
        var clock = new Delivery.ManualTimeProvider { NowMs = 50_000 };
        var stream = new RelayStream("s", clock) { MaxStartLatencyMs = 500 };
        var publisher = new FakePublisher(1);
        stream.TryAttachPublisher(publisher, 1500, out _);
        void Send(FrameClass frameClass, uint ts)
        {
            var buffer = MediaBuffer.Rent(4);
            buffer.Array.AsSpan(0, 4).Clear();
            stream.OnMedia(publisher, new MediaPacket(frameClass, ts, buffer), _tooSlow);
        }
        Send(FrameClass.AudioSequenceHeader, 0);
        Send(FrameClass.VideoSequenceHeader, 0);
        Send(FrameClass.KeyFrame, 1000);
        Send(FrameClass.InterFrame, 1040);
        clock.NowMs += ageMs; // nothing arrives meanwhile: the join alone decides (no trim of the young GOP at a later frame)

        var viewer = NewViewer();
        stream.AttachViewer(viewer, 500);
        Send(FrameClass.KeyFrame, 2000);

        var keys = Drain(viewer).Where(m => m.Class == FrameClass.KeyFrame).Select(m => m.Ts);
        Assert.Equal(cached ? [1000u, 2000u] : [2000u], keys);
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
            [(FrameClass.Metadata, 0u), (FrameClass.AudioSequenceHeader, 10u), (FrameClass.VideoSequenceHeader, 10u), (FrameClass.KeyFrame, 10u)],
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
        viewer.Queue.RestartAfterPublisherSwitch(); // video waits for a key frame, as after a drop
        Send(publisher, FrameClass.InterFrame, 40);
        Send(publisher, FrameClass.KeyFrame, 80);
        Assert.Equal([(FrameClass.VideoSequenceHeader, 80u), (FrameClass.KeyFrame, 80u)], Drain(viewer));
    }

    [Fact]
    public void Publisher_Reconnects_TimelineContinuesOneFrameAfterTheLastTimestamp()
    {
        var viewer = ViewerOfDroppedPublisher();

        var second = new FakePublisher(2);
        _stream.TryAttachPublisher(second, 1500, out _); // however long the outage was
        SendHeaders(second);
        Send(second, FrameClass.KeyFrame, 0);
        Send(second, FrameClass.Audio, 0);
        Send(second, FrameClass.Audio, 23);

        // Last sent: audio at 7623; one frame is 40 ms (the longer of 40 ms video and 20 ms audio). The new publisher's
        // metadata and headers equal what the viewer has: not sent again.
        Assert.Equal([(FrameClass.KeyFrame, 7663u), (FrameClass.Audio, 7663u), (FrameClass.Audio, 7686u)], Drain(viewer));
    }

    [Fact]
    public void Publisher_ReconnectsWithAudioStartingBeforeItsVideo_NoTrackStepsBack()
    {
        var viewer = ViewerOfDroppedPublisher();

        // An encoder whose video starts a few audio frames after its audio (AAC priming): the key frame fixes the offset
        // (7663 = last 7623 + 40 ms), the audio before it would land at or before the last audio sent (7623).
        var second = new FakePublisher(2);
        _stream.TryAttachPublisher(second, 1500, out _);
        SendHeaders(second);
        Send(second, FrameClass.KeyFrame, 63);
        Send(second, FrameClass.Audio, 0);
        Send(second, FrameClass.Audio, 23);
        Send(second, FrameClass.Audio, 46);
        Send(second, FrameClass.Audio, 69);
        Assert.Equal(
            [(FrameClass.KeyFrame, 7663u), (FrameClass.Audio, 7624u), (FrameClass.Audio, 7625u), (FrameClass.Audio, 7646u), (FrameClass.Audio, 7669u)],
            Drain(viewer));
    }

    [Fact]
    public void Publisher_ReconnectsWithNewDecoderConfiguration_PlayingViewerGetsItOnceBeforeTheKeyFrame()
    {
        var first = new FakePublisher(1);
        _stream.TryAttachPublisher(first, 1500, out _);
        SendHeaders(first);
        Send(first, FrameClass.KeyFrame, 0);
        var viewer = NewViewer();
        _stream.AttachViewer(viewer, 500);
        Send(first, FrameClass.InterFrame, 40);
        _stream.DetachPublisher(first);
        Drain(viewer);

        var second = new FakePublisher(2);
        _stream.TryAttachPublisher(second, 1500, out _);
        Send(second, FrameClass.Metadata, 0);
        Send(second, FrameClass.AudioSequenceHeader, 0);
        Send(second, FrameClass.VideoSequenceHeader, 0, marker: 2); // e.g. another resolution
        Send(second, FrameClass.KeyFrame, 0);
        Assert.Equal([(FrameClass.VideoSequenceHeader, 80u), (FrameClass.KeyFrame, 80u)], Drain(viewer));
    }

    [Fact]
    public void Metadata_ForwardedToPlayingViewers_IsStampedZero()
    {
        var publisher = new FakePublisher(1);
        _stream.TryAttachPublisher(publisher, 1500, out _);
        SendHeaders(publisher);
        Send(publisher, FrameClass.KeyFrame, 0);
        var viewer = NewViewer();
        _stream.AttachViewer(viewer, 500);
        Drain(viewer);
        Send(publisher, FrameClass.Audio, 7600);
        Send(publisher, FrameClass.Metadata, 7621, marker: 1); // updated metadata
        Assert.Equal([(FrameClass.Audio, 7600u), (FrameClass.Metadata, 0u)], Drain(viewer));
    }

    [Fact]
    public void AttachViewer_AudioOnlyStream_StartsAtTheNextAudioMessage_HeaderStampedLikeIt()
    {
        var publisher = new FakePublisher(1);
        _stream.TryAttachPublisher(publisher, 1500, out _);
        _stream.OnMedia(publisher, new MediaPacket(FrameClass.Metadata, 0, MediaBuffer.Rent(4)), _tooSlow, metadataAudio: true);
        Send(publisher, FrameClass.AudioSequenceHeader, 0);
        Send(publisher, FrameClass.Audio, 3000);
        var viewer = NewViewer();
        _stream.AttachViewer(viewer, 500);
        Send(publisher, FrameClass.Audio, 3023);
        Assert.Equal([(FrameClass.Metadata, 0u), (FrameClass.AudioSequenceHeader, 3023u), (FrameClass.Audio, 3023u)], Drain(viewer));
    }
}

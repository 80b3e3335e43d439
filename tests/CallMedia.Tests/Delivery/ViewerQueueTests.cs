using CallMedia.Delivery;
using CallMedia.Media;
using CallMedia.Relay;

namespace CallMedia.Tests.Delivery;

/// <summary>A viewer's queue with its drop policy (DESIGN §4), nobody draining it, on a test clock.</summary>
public sealed class ViewerQueueTests
{
    private readonly ManualTimeProvider _time = new();
    private readonly ViewerQueue _queue;
    private readonly List<MediaBuffer> _buffers = new();

    public ViewerQueueTests()
    {
        // ViewerQueueMs 500 → disposable 250, inter 375, key 500; hard 3000.
        _queue = new ViewerQueue(new DropLimits(250, 375, 500, 3000, 1 << 20), _time);
    }

    private OfferResult Offer(FrameClass frameClass, uint ts, int size = 100)
    {
        _time.NowMs = ts;
        var buffer = MediaBuffer.Rent(size);
        _buffers.Add(buffer);
        var packet = new MediaPacket(frameClass, ts, buffer);
        return _queue.Offer(packet);
    }

    private List<(FrameClass Class, uint Ts)> DrainAll()
    {
        var batch = new List<DeliveryItem>();
        _queue.Drain(batch, int.MaxValue, int.MaxValue);
        return batch.Select(i => (i.Class, i.Timestamp)).ToList();
    }

    [Fact]
    public void Offer_AsQueueFills_DropsDisposableThenInterThenWaitsForKeyFrame()
    {
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.Audio, 0));
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.InterFrame, 300));       // 300 ≤ 375
        Assert.Equal(OfferResult.Dropped, Offer(FrameClass.DisposableFrame, 300)); // 300 > 250
        Assert.Equal(OfferResult.Dropped, Offer(FrameClass.InterFrame, 340));      // after a drop: wait for a key frame
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.Audio, 340));
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.KeyFrame, 400));         // 400 ≤ 500: video resumes here
        Assert.Equal(OfferResult.Dropped, Offer(FrameClass.InterFrame, 440));      // 440 > 375
        Assert.Equal(3, _queue.Counters.VideoDropped);
        Assert.Equal(0, _queue.Counters.AudioDropped);
        Assert.Equal(
            [(FrameClass.Audio, 0u), (FrameClass.InterFrame, 300u), (FrameClass.Audio, 340u), (FrameClass.KeyFrame, 400u)],
            DrainAll());
    }

    [Fact]
    public void Offer_AudioIsKeptUntilTheHardBound_ThenViewerIsTooSlow()
    {
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.Audio, 0));
        Assert.Equal(OfferResult.Dropped, Offer(FrameClass.KeyFrame, 600));
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.Audio, 600));
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.Audio, 2900));
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.AudioSequenceHeader, 2950)); // essentials are never dropped
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.Metadata, 2950));
        Assert.Equal(OfferResult.TooSlow, Offer(FrameClass.Audio, 3100));
    }

    [Fact]
    public void Offer_KeyFrameOverBound_PurgesQueuedVideoFirst()
    {
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.InterFrame, 0));
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.Audio, 100));
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.KeyFrame, 560)); // 560 > 500 until the stale inter frame goes
        Assert.Equal([(FrameClass.Audio, 100u), (FrameClass.KeyFrame, 560u)], DrainAll());
        Assert.Equal(1, _queue.Counters.VideoDropped);
    }

    [Fact]
    public void Offer_PublisherBurst_IsNotMistakenForASlowViewer()
    {
        // 400 ms of media arriving at once (publisher catching up) has waited 0 ms here: nothing is dropped.
        for (uint ts = 0; ts <= 400; ts += 40)
        {
            var frameClass = ts == 0 ? FrameClass.KeyFrame : FrameClass.InterFrame;
            var buffer = MediaBuffer.Rent(100);
            var packet = new MediaPacket(frameClass, ts, buffer);
            Assert.Equal(OfferResult.Queued, _queue.Offer(packet));
        }
        Assert.Equal(0, _queue.Counters.VideoDropped);
    }

    [Fact]
    public void BeginAtKeyFrame_HoldsAudioAndVideoUntilTheKeyFrame_WithoutCountingDrops()
    {
        _queue.BeginAtKeyFrame();
        Assert.Equal(OfferResult.Dropped, Offer(FrameClass.Audio, 0));
        Assert.Equal(OfferResult.Dropped, Offer(FrameClass.InterFrame, 10));
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.VideoSequenceHeader, 15));
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.KeyFrame, 20));
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.Audio, 30));
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.InterFrame, 40));
        Assert.Equal(0, _queue.Counters.VideoDropped);
        Assert.Equal(4, DrainAll().Count);
        Assert.Equal(3, _queue.Counters.VideoSent); // sequence header, key frame, inter frame
        Assert.Equal(1, _queue.Counters.AudioSent);
    }

    private List<(FrameClass Class, uint Ts)> DrainAudio()
    {
        var batch = new List<DeliveryItem>();
        _queue.DrainAudio(batch, int.MaxValue, int.MaxValue);
        return batch.Select(i => (i.Class, i.Timestamp)).ToList();
    }

    [Fact]
    public void DrainAudio_AtTheStart_LeavesTheFirstVideoSequenceHeaderAheadOfTheAudio()
    {
        // A viewer joining a live stream: its writer (woken by the first offer, on another thread) took the metadata and
        // the audio header while the join was still queueing the video header and the GOP. Audio overtakes queued video,
        // but not the video decoder configuration a player has not had yet: both headers come before any frame.
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.Metadata, 0));
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.AudioSequenceHeader, 1000));
        var first = new List<DeliveryItem>();
        _queue.Drain(first, int.MaxValue, maxItems: 2);
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.VideoSequenceHeader, 1000));
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.KeyFrame, 1000, size: 12_000));
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.Audio, 1020));
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.InterFrame, 1040));
        Assert.False(_queue.HasAudioQueued);
        Assert.Empty(DrainAudio());
        Assert.Equal(
            [(FrameClass.VideoSequenceHeader, 1000u), (FrameClass.KeyFrame, 1000u), (FrameClass.Audio, 1020u), (FrameClass.InterFrame, 1040u)],
            DrainAll());
        foreach (var item in first)
            item.Payload.Release();
    }

    [Fact]
    public void DrainForWrite_TakesTheAudioFirstThenTheRestInOrder_OrOnlyTheAudio()
    {
        // One wake-up's take: what DrainAudio and then Drain would take, in that order, in one call.
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.VideoSequenceHeader, 0));
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.KeyFrame, 0, size: 3000));
        Assert.Equal(2, DrainAll().Count);
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.InterFrame, 40, size: 3000));
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.Audio, 42));
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.InterFrame, 80, size: 3000));
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.Audio, 64));

        var audioOnly = new List<DeliveryItem>();
        Assert.Equal(1, _queue.DrainForWrite(audioOnly, int.MaxValue, inOrderMaxBytes: 0, maxItems: 1));
        Assert.Equal([(FrameClass.Audio, 42u)], audioOnly.Select(i => (i.Class, i.Timestamp)));

        var batch = new List<DeliveryItem>();
        Assert.Equal(1, _queue.DrainForWrite(batch, int.MaxValue, inOrderMaxBytes: 4000, maxItems: 8));
        Assert.Equal([(FrameClass.Audio, 64u), (FrameClass.InterFrame, 40u)], batch.Select(i => (i.Class, i.Timestamp)));
        Assert.Equal([(FrameClass.InterFrame, 80u)], DrainAll()); // past the in-order bytes: left queued
        foreach (var item in audioOnly.Concat(batch))
            item.Payload.Release();
    }

    [Fact]
    public void DrainAudio_OnceTheViewerHasAVideoHeader_OvertakesAResentOne()
    {
        // Video resuming after drops: the header resent before the key frame is one the player has; audio keeps its
        // lead over both (on a slow link the header may sit behind a video message still being sent in parts).
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.VideoSequenceHeader, 0));
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.KeyFrame, 0));
        Assert.Equal(2, DrainAll().Count);
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.VideoSequenceHeader, 2000));
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.KeyFrame, 2000));
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.Audio, 2020));
        Assert.True(_queue.HasAudioQueued);
        Assert.Equal([(FrameClass.Audio, 2020u)], DrainAudio());
        Assert.Equal([(FrameClass.VideoSequenceHeader, 2000u), (FrameClass.KeyFrame, 2000u)], DrainAll());
    }

    [Fact]
    public void DrainAudio_AVideoHeaderPutBack_KeepsItsPlaceAgain()
    {
        // The writer took the header with a large message it then had no room for: both go back, the header is unsent.
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.VideoSequenceHeader, 0));
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.KeyFrame, 0, size: 12_000));
        var batch = new List<DeliveryItem>();
        _queue.Drain(batch, int.MaxValue, int.MaxValue);
        _queue.Requeue(batch, 0);
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.Audio, 20));
        Assert.Empty(DrainAudio());
        Assert.Equal([(FrameClass.VideoSequenceHeader, 0u), (FrameClass.KeyFrame, 0u), (FrameClass.Audio, 20u)], DrainAll());
    }

    [Fact]
    public void DrainAudio_AResentVideoHeaderPutBack_IsStillOvertaken()
    {
        // The viewer has a header; the writer takes the resent one with a large key frame it has no room for and puts
        // both back: audio must not wait behind them (on a slow link that key frame may wait seconds).
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.VideoSequenceHeader, 0));
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.KeyFrame, 0));
        Assert.Equal(2, DrainAll().Count);
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.VideoSequenceHeader, 2000));
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.KeyFrame, 2000, size: 12_000));
        var batch = new List<DeliveryItem>();
        _queue.Drain(batch, int.MaxValue, int.MaxValue);
        _queue.Requeue(batch, 0);
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.Audio, 2020));
        Assert.True(_queue.HasAudioQueued);
        Assert.Equal([(FrameClass.Audio, 2020u)], DrainAudio());
        Assert.Equal([(FrameClass.VideoSequenceHeader, 2000u), (FrameClass.KeyFrame, 2000u)], DrainAll());
    }

    [Fact]
    public void Complete_RefusesMoreAndReleasesOnClear()
    {
        Assert.Equal(OfferResult.Queued, Offer(FrameClass.Audio, 0));
        _queue.Complete(DisconnectReason.Kicked);
        Assert.Equal(OfferResult.Closed, Offer(FrameClass.Audio, 20));
        _queue.Clear();
        Assert.Equal(DisconnectReason.Kicked, _queue.CompletionReason);
        // The queue's references are gone: releasing the creator's reference returns each buffer to the pool.
        foreach (var buffer in _buffers)
            buffer.Release();
        Assert.Throws<ObjectDisposedException>(() => _buffers[0].Array);
    }
}

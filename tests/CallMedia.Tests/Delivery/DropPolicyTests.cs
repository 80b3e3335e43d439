using CallMedia.Delivery;
using CallMedia.Media;

namespace CallMedia.Tests.Delivery;

/// <summary>
/// The drop policy and link estimate on their own: packets and kernel looks in, decisions out (no sockets, no
/// clock). Thresholds as with <c>ViewerQueueMs</c> 500: disposable 250, inter 375, key 500; hard bound 3000.
/// </summary>
public sealed class DropPolicyTests
{
    private static readonly DropLimits Limits = new(250, 375, 500, 3000, 1 << 20);
    private readonly LinkEstimator _link = new();

    private static MediaPacket Packet(FrameClass frameClass, uint ts, int size = 100) => new(frameClass, ts, MediaBuffer.Rent(size));

    private static QueueView Empty => new(0, 0, 0, 0, 0);

    /// <summary>
    /// A stream of 80 B/ms, a quarter of it audio: per 100 ms, 2000 bytes of audio and 6000 of video (1.1 s offered).
    /// </summary>
    private void OfferStream()
    {
        for (uint ts = 0; ts <= 1100; ts += 100)
        {
            _link.OnOffered(Packet(FrameClass.Audio, ts, 2000));
            _link.OnOffered(Packet(FrameClass.InterFrame, ts, 6000));
        }
    }

    /// <summary>
    /// A viewer with a 8 000-byte receive buffer reading 40 B/ms while the writer keeps its pipe full: every 50 ms the
    /// writer tops up what was read, the peer's window shows the buffer full.
    /// </summary>
    private void ReadAt40BytesPerMs(long from, long until)
    {
        _link.OnSample(new LinkSample(from, 0, 0, 8000), waiting: false); // the peer's buffer: 8 000 bytes, empty
        _link.OnWritten(8000, from);
        for (var t = from + 50; t <= until; t += 50)
        {
            _link.OnSample(new LinkSample(t, 0, 0, 2000), waiting: true); // 2 000 read: window open by that much
            _link.OnWritten(2000, t);
        }
    }

    [Fact]
    public void LinkEstimator_ReaderBehindAFullPipe_MeasuresItsReadRate_AndBoundsTheBudget()
    {
        ReadAt40BytesPerMs(0, 2000);
        Assert.True(_link.ReadRateKnown(2000));
        Assert.InRange(_link.ReadBytesPerMs, 38, 45);
        // 150 ms at 40 B/ms would be 6 000 bytes: more than half the peer's 8 000-byte buffer, whose unread part shows
        // only in window steps.
        Assert.Equal(4000, _link.BudgetBytes);
    }

    [Fact]
    public void LinkEstimator_ReaderThatEmptiesEachWriteAtOnce_OpensTheBudget()
    {
        Assert.Equal(LinkEstimator.StartBudgetBytes, _link.BudgetBytes);
        for (var t = 0; t < 10; t++)
        {
            _link.OnWritten(_link.BudgetBytes, t * 10);
            _link.OnSample(new LinkSample(t * 10 + 2, 0, 0, 1 << 20), waiting: false); // all read within 2 ms
        }
        Assert.Equal(1 << 19, _link.BudgetBytes); // half the peer's 1 MiB buffer
        Assert.False(_link.ReadRateKnown(100)); // it never made the writer wait: no rate, no slow link
    }

    [Fact]
    public void LinkEstimator_ReaderThatEmptiesFramesJustUnderHalfTheBudget_OpensTheBudgetOverSeveralDrains()
    {
        // A viewer joined before the first key frame (no fast-start burst): the stream's largest write, an 8,000-byte key
        // frame, is just under half of a 16 KiB budget. Each write is read at once; as the gate does while the budget is
        // under 32 KiB, the writer looks just before it writes, and again at its next wake-up, up to 30 ms later (audio
        // every 20 ms, video every 40).
        var t = 0L;
        void Drain(int bytes, int lookAfterMs)
        {
            t += 40;
            _link.OnSample(new LinkSample(t, 0, 0, 1 << 20), waiting: false);
            _link.OnWritten(bytes, t);
            _link.OnSample(new LinkSample(t + lookAfterMs, 0, 0, 1 << 20), waiting: false);
        }
        Drain(2_500, 2); // 4 KiB: 2,500 ≥ a quarter and ≥ half → 8 KiB
        Assert.Equal(8 * 1024, _link.BudgetBytes);
        Drain(2_500, 20);
        Drain(2_500, 24); // 8 KiB: 5,000 ≥ half → 16 KiB (2,500 bytes in 24 ms: ≥ 2,048 per 20 ms)
        Assert.Equal(16 * 1024, _link.BudgetBytes);
        Drain(2_500, 2); // under a quarter of 16 KiB: not counted
        Drain(8_000, 30);
        Assert.Equal(16 * 1024, _link.BudgetBytes); // 8,000 < 8,192: one write alone did not open it (nor did it before)
        Drain(8_000, 30);
        Assert.Equal(32 * 1024, _link.BudgetBytes);
        Assert.Equal(LinkEstimator.LargeAckWindowBytes, LinkEstimator.AckWindowFor(_link.BudgetBytes));
    }

    [Fact]
    public void LinkEstimator_From32KiB_ALookSoonAfterTheWriteThatFilledHalfTheBudget_FindingItRead_DoublesIt()
    {
        var t = 0L;
        while (_link.BudgetBytes < 32 * 1024)
        {
            t += 10;
            _link.OnSample(new LinkSample(t, 0, 0, 1 << 20), waiting: false);
            _link.OnWritten(_link.BudgetBytes, t);
            _link.OnSample(new LinkSample(t + 2, 0, 0, 1 << 20), waiting: false);
        }
        // The gate's fast path: 2,500-byte frames every 40 ms go without a look until the estimate reaches half the
        // budget; the look at the next wake-up finds everything read. The pace since the last look (≈ 62 bytes per ms)
        // is the stream's, not the viewer's: the write that filled half the budget, read within 20 ms, is what counts.
        for (var i = 0; i < 7; i++)
        {
            t += 40;
            _link.OnWritten(2_500, t);
        }
        _link.OnSample(new LinkSample(t + 30, 0, 0, 1 << 20), waiting: false); // 30 ms after it: not soon enough
        Assert.Equal(32 * 1024, _link.BudgetBytes);
        for (var i = 0; i < 7; i++)
        {
            t += 40;
            _link.OnWritten(2_500, t);
        }
        _link.OnSample(new LinkSample(t + 10, 0, 0, 1 << 20), waiting: false);
        Assert.Equal(64 * 1024, _link.BudgetBytes);
    }

    [Fact]
    public void LinkEstimator_AWriteReadSlowerThanAQuarterOfTheBudgetPer20Ms_DoesNotCount()
    {
        for (var t = 100L; t <= 2_000; t += 100)
        {
            _link.OnSample(new LinkSample(t, 0, 0, 1 << 20), waiting: false);
            _link.OnWritten(2_500, t);
            _link.OnSample(new LinkSample(t + 50, 0, 0, 1 << 20), waiting: false); // 2,500 bytes in 50 ms < 1,024 per 20 ms
        }
        Assert.Equal(LinkEstimator.StartBudgetBytes, _link.BudgetBytes);
        _link.OnSample(new LinkSample(2_100, 0, 0, 1 << 20), waiting: false);
        _link.OnWritten(2_500, 2_100);
        _link.OnSample(new LinkSample(2_148, 0, 0, 1 << 20), waiting: false); // in 48 ms: fast enough
        Assert.Equal(2 * LinkEstimator.StartBudgetBytes, _link.BudgetBytes);
    }

    [Fact]
    public void LinkEstimator_SlowReaderAcknowledgingWholeMessages_DoesNotOpenTheBudget()
    {
        // An RTMP viewer with a 64 KiB buffer (its pipe from its acknowledgements at the small window) reading 19 bytes per
        // ms, which acknowledges only whole messages (as FFmpeg counts them): a 2,500-byte message read over 130 ms shows
        // as one jump. Its pipe is often down to a quarter right after a jump, but what it read since such a look is slow.
        const int buffer = 64 * 1024;
        _link.OnSample(new LinkSample(0, 0, 0, buffer), waiting: false);
        _link.OnWritten(296, 0);
        _link.OnSample(new LinkSample(1, 0, 0, buffer), waiting: false);
        _link.OnAckWindowAnnounced(LinkEstimator.AckWindowFor(_link.BudgetBytes));
        var ends = new List<long>();
        long written = 296, read = 296, acked = 296;
        for (var t = 20L; t <= 20_000; t += 20)
        {
            read = Math.Min(read + 19 * 20, written);
            var whole = ends.Where(e => e <= read).DefaultIfEmpty(acked).Max();
            if (whole - acked >= LinkEstimator.SmallAckWindowBytes / 2)
            {
                _link.OnPeerAcknowledged((uint)whole);
                acked = whole;
            }
            _link.OnSample(new LinkSample(t, 0, 0, buffer), waiting: false); // the kernel's view: all read
            var video = t % 1000 == 0 ? 8_000 : t % 40 == 0 ? 2_500 : 0;
            foreach (var bytes in video > 0 && _link.RoomBytes >= video ? new[] { 160, video } : new[] { 160 })
            {
                _link.OnWritten(bytes, t);
                written += bytes;
                ends.Add(written);
            }
        }
        Assert.True(_link.AcksCount);
        Assert.Equal(LinkEstimator.StartBudgetBytes, _link.BudgetBytes);
    }

    [Fact]
    public void LinkEstimator_ReaderAtAQuarterOfTheStream_DoesNotOpenTheBudget()
    {
        // 19 bytes per ms (a quarter of a 76 kB/s stream), looked at every 20 ms after each write: the pipe never drains
        // a quarter of the budget between looks, however long it runs.
        _link.OnSample(new LinkSample(0, 0, 0, 1 << 20), waiting: false);
        var pipe = 0L;
        for (var t = 20L; t <= 20_000; t += 20)
        {
            pipe = Math.Max(pipe - 19 * 20, 0);
            _link.OnSample(new LinkSample(t, (int)pipe, 0, 1 << 20), waiting: false);
            var write = t % 1000 == 0 ? 8_000 : t % 40 == 0 ? 2_500 : 160;
            if (pipe + write > _link.BudgetBytes && write > 160)
                continue; // the gate holds video back while the pipe is full
            _link.OnWritten(write, t);
            pipe += write;
        }
        Assert.Equal(LinkEstimator.StartBudgetBytes, _link.BudgetBytes);
    }

    [Fact]
    public void LinkEstimator_BytesThePeerHoldsUnread_CountInThePipe()
    {
        _link.OnSample(new LinkSample(0, 0, 0, 8192), waiting: false);
        _link.OnWritten(4096, 0);
        _link.OnSample(new LinkSample(2, 0, 0, 4096), waiting: false); // acknowledged, but the window shrank: unread
        Assert.Equal(4096, _link.PipeBytes);
        Assert.Equal(LinkEstimator.StartBudgetBytes, _link.BudgetBytes); // not a viewer that keeps up
    }

    [Fact]
    public void Decide_OnASlowLink_AdmitsAKeyFrameThatGoesThroughBesideTheAudioWithinPictureMs()
    {
        var policy = new DropPolicy(Limits, atomicMessages: false);
        OfferStream();
        ReadAt40BytesPerMs(0, 2000); // ≈ 40 B/ms: half the stream; spare beside 20 B/ms of audio (+10 %): ≈ 18 B/ms
        Assert.True(_link.SlowLink(2000));

        Assert.Equal(DropVerdict.Queue, policy.Decide(Packet(FrameClass.KeyFrame, 2000, 30_000), Empty, _link, 2000).Verdict); // 1.7 s ≤ 4 s
        var underway = new QueueView(0, 0, 0, 0, 0, PendingVideoBytes: 60_000); // the writer still sends 60 000 bytes of video
        Assert.Equal(DropVerdict.Drop, policy.Decide(Packet(FrameClass.InterFrame, 2040, 3000), underway, _link, 2040).Verdict);
        Assert.True(policy.VideoWaitsForKeyFrame);
        Assert.Equal(DropVerdict.Queue, policy.Decide(Packet(FrameClass.Audio, 2050, 200), underway, _link, 2050).Verdict);
        Assert.Equal(DropVerdict.Drop, policy.Decide(Packet(FrameClass.KeyFrame, 3000, 30_000), underway, _link, 3000).Verdict); // ≈ 4.8 s behind it
        Assert.Equal(DropVerdict.Drop, policy.Decide(Packet(FrameClass.KeyFrame, 4000, 150_000), Empty, _link, 4000).Verdict); // > 4 s: too long
        var queuedVideo = new QueueView(9000, 9000, 200, 0, 200);
        Assert.Equal(new DropDecision(DropVerdict.Queue, PurgeQueuedVideo: true), policy.Decide(Packet(FrameClass.KeyFrame, 5000, 30_000), queuedVideo, _link, 5000));
        Assert.False(policy.VideoWaitsForKeyFrame);
    }

    [Fact]
    public void ForgetReadRate_AfterAPublisherSwitch_TheNewPublishersKeyFrameIsJudgedByTheQueueNotByAnOldRate()
    {
        var policy = new DropPolicy(Limits, atomicMessages: false);
        OfferStream();
        ReadAt40BytesPerMs(0, 2000); // a rate measured while the player was slow for a moment
        Assert.True(_link.SlowLink(2000));
        Assert.Equal(DropVerdict.Drop, policy.Decide(Packet(FrameClass.KeyFrame, 4000, 150_000), Empty, _link, 4000).Verdict); // > 4 s at that rate

        _link.ForgetReadRate(); // the publisher switched (RelayStream → ViewerQueue.RestartAfterPublisherSwitch)
        policy.RequireKeyFrame();

        Assert.False(_link.SlowLink(4100));
        Assert.Equal(DropVerdict.Drop, policy.Decide(Packet(FrameClass.InterFrame, 4100, 3000), Empty, _link, 4100).Verdict); // waits for a key frame
        Assert.Equal(DropVerdict.Queue, policy.Decide(Packet(FrameClass.KeyFrame, 4140, 150_000), Empty, _link, 4140).Verdict); // an empty queue: it goes
        Assert.False(policy.VideoWaitsForKeyFrame);
    }

    [Fact]
    public void Decide_OnASlowLink_WholeTags_NeverAVideoTagThatHoldsTheAudioPastTheDisposableBound()
    {
        var split = new DropPolicy(Limits, atomicMessages: false);
        var whole = new DropPolicy(Limits, atomicMessages: true);
        OfferStream();
        ReadAt40BytesPerMs(0, 2000);
        var key = Packet(FrameClass.KeyFrame, 2000, 12_000); // 300 ms at 40 B/ms
        Assert.Equal(DropVerdict.Queue, split.Decide(key, Empty, _link, 2000).Verdict);
        Assert.Equal(DropVerdict.Drop, whole.Decide(key, Empty, _link, 2000).Verdict);
    }

    [Fact]
    public void DecideWhole_BeforeTheLinkIsKnown_SendsWhatThePeerCanTakeAtOnce_WaitsThenDropsTheRest()
    {
        var policy = new DropPolicy(Limits, atomicMessages: true);
        _link.OnSample(new LinkSample(0, 0, 0, 8192), waiting: false);
        Assert.Equal(WholeMessageVerdict.Send, policy.DecideWhole(3000, 4096, 0, _link, 0));
        Assert.Equal(WholeMessageVerdict.Send, policy.DecideWhole(8000, 4096, 0, _link, 0));   // empty pipe, fits the peer's buffer
        Assert.Equal(WholeMessageVerdict.Wait, policy.DecideWhole(30_000, 4096, 100, _link, 100)); // would sit in front of the audio
        Assert.Equal(WholeMessageVerdict.Drop, policy.DecideWhole(30_000, 4096, 600, _link, 600));
    }

    [Fact]
    public void Decide_WhileTheViewerKeepsUp_DropsByQueuedTime_DisposableThenInterThenKey()
    {
        var policy = new DropPolicy(Limits, atomicMessages: false);
        Assert.Equal(DropVerdict.Drop, policy.Decide(Packet(FrameClass.DisposableFrame, 300), new QueueView(100, 0, 300, 300, 300), _link, 300).Verdict);
        Assert.Equal(DropVerdict.Drop, policy.Decide(Packet(FrameClass.InterFrame, 310), new QueueView(100, 0, 200, 200, 200), _link, 310).Verdict); // waits for a key frame
        Assert.Equal(DropVerdict.Queue, policy.Decide(Packet(FrameClass.KeyFrame, 400), new QueueView(100, 0, 400, 400, 400), _link, 400).Verdict);
        Assert.Equal(DropVerdict.Drop, policy.Decide(Packet(FrameClass.InterFrame, 440), new QueueView(100, 0, 440, 440, 440), _link, 440).Verdict);
    }

    [Fact]
    public void Decide_KeyFrameOverTheBound_FitsOnceQueuedVideoIsPurged()
    {
        var policy = new DropPolicy(Limits, atomicMessages: false);
        // 560 ms queued behind an old inter frame, 60 ms without it.
        var decision = policy.Decide(Packet(FrameClass.KeyFrame, 560), new QueueView(200, 100, 560, 60, 560), _link, 560);
        Assert.Equal(new DropDecision(DropVerdict.Queue, PurgeQueuedVideo: true), decision);
    }

    [Fact]
    public void Decide_EssentialsAreNeverDropped_AudioOnlyAtTheHardBound()
    {
        var policy = new DropPolicy(Limits, atomicMessages: false);
        var behind = new QueueView(1000, 0, 2900, 2900, 2900);
        Assert.Equal(DropVerdict.Queue, policy.Decide(Packet(FrameClass.VideoSequenceHeader, 2900), behind, _link, 2900).Verdict);
        Assert.Equal(DropVerdict.Queue, policy.Decide(Packet(FrameClass.Audio, 2900), behind, _link, 2900).Verdict);
        Assert.Equal(DropVerdict.Drop, policy.Decide(Packet(FrameClass.InterFrame, 2900), behind, _link, 2900).Verdict);
        Assert.Equal(DropVerdict.TooSlow, policy.Decide(Packet(FrameClass.Audio, 3100), new QueueView(1000, 0, 3100, 3100, 3100), _link, 3100).Verdict);
    }
}

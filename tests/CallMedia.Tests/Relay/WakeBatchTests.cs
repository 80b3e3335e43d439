using System.Net;
using CallMedia.Access;
using CallMedia.Delivery;
using CallMedia.Media;
using CallMedia.Relay;

namespace CallMedia.Tests.Relay;

/// <summary>
/// The fan-outs of one publisher read wake each viewer's writer once, at the batch's end
/// (<see cref="RelayStream.BeginWakeBatch"/>): an idle writer then takes all of the read's messages in one iteration
/// (one send) instead of one per message. No sockets: the writer is a wake-up callback that drains the queue.
/// </summary>
public sealed class WakeBatchTests
{
    private sealed class FakePublisher(long id) : IPublisherSession
    {
        public long SessionId => id;
        public EndPoint? Remote => null;
        public void Kick(DisconnectReason reason) { }
    }

    /// <summary>Stands in for a waiting <see cref="ViewerWriter"/>: at each wake-up, drains what is queued, waits again.</summary>
    private sealed class DrainingWriter
    {
        private static readonly Action<object?> s_onWake = static s => ((DrainingWriter)s!).OnWake();
        private readonly Viewer _viewer;

        public DrainingWriter(Viewer viewer)
        {
            _viewer = viewer;
            WaitAgain([]); // the start point's wake-up came while nobody waited: nothing left to take
        }

        /// <summary>Messages taken at each wake-up, and the thread it ran on.</summary>
        public List<(List<FrameClass> Classes, int Thread)> Wakes { get; } = [];

        /// <summary>When set, the next wake-up throws (after taking nothing) instead of draining: a writer that fails.</summary>
        public bool ThrowOnNextWake { get; set; }

        private void OnWake()
        {
            if (ThrowOnNextWake)
            {
                ThrowOnNextWake = false;
                WaitAgain([]);
                throw new InvalidOperationException("writer failed");
            }
            var taken = new List<FrameClass>();
            Take(taken);
            Wakes.Add((taken, Environment.CurrentManagedThreadId));
            WaitAgain(taken);
        }

        /// <summary>As the writer: a wait that finds a wake-up already signalled takes what is queued and waits again.</summary>
        private void WaitAgain(List<FrameClass> taken)
        {
            while (!_viewer.Queue.WaitForWakeThen(CancellationToken.None, s_onWake, this))
                Take(taken);
        }

        private void Take(List<FrameClass> taken)
        {
            if (_viewer.Queue.TryReady() != true)
                return;
            var batch = new List<DeliveryItem>();
            _viewer.Queue.Drain(batch, int.MaxValue, int.MaxValue);
            taken.AddRange(batch.Select(i => i.Class));
            foreach (var item in batch)
                item.Payload.Release();
        }
    }

    private readonly RelayStream _stream = new("s") { MaxStartLatencyMs = 500 };
    private readonly List<Viewer> _tooSlow = [];
    private readonly FakePublisher _publisher = new(1);

    private void Send(FrameClass frameClass, uint ts)
    {
        var buffer = MediaBuffer.Rent(4);
        buffer.Array.AsSpan(0, 4).Clear();
        _stream.OnMedia(_publisher, new MediaPacket(frameClass, ts, buffer), _tooSlow);
    }

    /// <summary>Two viewers playing a live stream (they started at its key frame), each with a waiting writer.</summary>
    private (DrainingWriter First, DrainingWriter Second) TwoPlayingViewers()
    {
        var writers = PlayingViewers(2);
        return (writers[0], writers[1]);
    }

    /// <summary><paramref name="count"/> viewers playing a live stream (they started at its key frame), each with a waiting writer.</summary>
    private List<DrainingWriter> PlayingViewers(int count)
    {
        Assert.Equal(PublishAttempt.Started, _stream.TryAttachPublisher(_publisher, 1500, out _));
        Send(FrameClass.AudioSequenceHeader, 0);
        Send(FrameClass.VideoSequenceHeader, 0);
        Send(FrameClass.KeyFrame, 0);
        var writers = new List<DrainingWriter>();
        for (var v = 0; v < count; v++)
        {
            var viewer = new Viewer(Viewer.NextId(), "s", MediaTransport.Rtmp, null, new ViewerQueue(new DropLimits(250, 375, 500, 3000, 1 << 20)));
            _stream.AttachViewer(viewer, 500);
            var start = new List<DeliveryItem>();
            viewer.Queue.Drain(start, int.MaxValue, int.MaxValue); // the start point: headers and the key frame
            Assert.Contains(start, i => i.Class == FrameClass.KeyFrame);
            foreach (var item in start)
                item.Payload.Release();
            writers.Add(new DrainingWriter(viewer));
        }
        return writers;
    }

    [Fact]
    public void FanOutsInABatch_WakeEachWriterOnce_AtTheEnd_InlineWithEveryMessage()
    {
        var (first, second) = TwoPlayingViewers();

        RelayStream.BeginWakeBatch();
        try
        {
            Send(FrameClass.Audio, 10);
            Send(FrameClass.InterFrame, 40);
            Send(FrameClass.Audio, 33);
            Assert.Empty(first.Wakes); // queued, not woken yet
            Assert.Empty(second.Wakes);
        }
        finally
        {
            RelayStream.EndWakeBatch();
        }

        var thread = Environment.CurrentManagedThreadId;
        foreach (var writer in new[] { first, second })
        {
            var wake = Assert.Single(writer.Wakes);
            Assert.Equal([FrameClass.Audio, FrameClass.InterFrame, FrameClass.Audio], wake.Classes); // all three, in order
            Assert.Equal(thread, wake.Thread);
        }
    }

    [Fact]
    public void FanOutsOutsideABatch_WakeTheWritersPerMessage_AndAfterABatchAgain()
    {
        var (first, _) = TwoPlayingViewers();

        Send(FrameClass.Audio, 10);
        Send(FrameClass.InterFrame, 40);
        Assert.Equal([[FrameClass.Audio], [FrameClass.InterFrame]], first.Wakes.Select(w => w.Classes));

        RelayStream.BeginWakeBatch();
        Send(FrameClass.Audio, 33);
        RelayStream.EndWakeBatch();
        Send(FrameClass.Audio, 56); // after the batch: per message again, the viewer listed again
        Assert.Equal([[FrameClass.Audio], [FrameClass.InterFrame], [FrameClass.Audio], [FrameClass.Audio]], first.Wakes.Select(w => w.Classes));
    }

    [Theory]
    [InlineData(63, false)]
    [InlineData(64, true)]
    public void ABatchListsAtMost64Writers_ThenWakesThemAtOnce(int viewers, bool wokenBeforeTheEnd)
    {
        var writers = PlayingViewers(viewers);

        RelayStream.BeginWakeBatch();
        try
        {
            Send(FrameClass.Audio, 10);
            Assert.All(writers, w => Assert.Equal(wokenBeforeTheEnd ? 1 : 0, w.Wakes.Count));
            Send(FrameClass.Audio, 33);
        }
        finally
        {
            RelayStream.EndWakeBatch();
        }

        // Under the cap: one wake-up with both messages; at the cap: one per fan-out, each with its message.
        IEnumerable<List<FrameClass>> expected = wokenBeforeTheEnd ? [[FrameClass.Audio], [FrameClass.Audio]] : [[FrameClass.Audio, FrameClass.Audio]];
        Assert.All(writers, w => Assert.Equal(expected, w.Wakes.Select(x => x.Classes)));
    }

    [Fact]
    public void AWakeThatThrows_LeavesNoWriterListed_SoTheNextFanOutWakesThemAll()
    {
        var (first, second) = TwoPlayingViewers();
        first.ThrowOnNextWake = second.ThrowOnNextWake = true; // whichever is woken first fails

        RelayStream.BeginWakeBatch();
        Send(FrameClass.Audio, 10);
        Assert.Throws<InvalidOperationException>(RelayStream.EndWakeBatch); // the failure reaches the read
        var failed = first.ThrowOnNextWake ? second : first;
        var notWoken = ReferenceEquals(failed, first) ? second : first;
        Assert.True(notWoken.ThrowOnNextWake); // its wake-up was after the one that threw: never ran
        notWoken.ThrowOnNextWake = false;

        Send(FrameClass.Audio, 33); // outside a batch: both listed afresh and woken, each takes both messages

        Assert.Equal([[FrameClass.Audio, FrameClass.Audio]], failed.Wakes.Select(w => w.Classes));
        Assert.Equal([[FrameClass.Audio, FrameClass.Audio]], notWoken.Wakes.Select(w => w.Classes));
    }
}

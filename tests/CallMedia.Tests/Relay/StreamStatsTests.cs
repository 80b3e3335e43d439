using System.Net;
using CallMedia.Media;
using CallMedia.Relay;
using CallMedia.Tests.Delivery;

namespace CallMedia.Tests.Relay;

/// <summary>
/// <see cref="RelayStream.GetStats"/>'s video frame rate: the rate the frames were made at (their timestamps), whatever
/// pace they arrive at; rates on the relay's clock (<see cref="ManualTimeProvider"/>).
/// </summary>
public sealed class StreamStatsTests
{
    private sealed class Publisher : IPublisherSession
    {
        public long SessionId => 1;
        public EndPoint? Remote => null;
        public void Kick(DisconnectReason reason) { }
    }

    private readonly ManualTimeProvider _clock = new() { NowMs = 10_000 };
    private readonly RelayStream _stream;
    private readonly Publisher _publisher = new();
    private readonly List<Viewer> _tooSlow = [];

    public StreamStatsTests()
    {
        _stream = new RelayStream("s", _clock);
        Assert.Equal(PublishAttempt.Started, _stream.TryAttachPublisher(_publisher, 1500, out _));
    }

    private void Send(FrameClass frameClass, uint ts, int bytes = 4)
    {
        var buffer = MediaBuffer.Rent(bytes);
        buffer.Array.AsSpan(0, bytes).Clear();
        _stream.OnMedia(_publisher, new MediaPacket(frameClass, ts, buffer), _tooSlow);
    }

    /// <summary>
    /// 25 fps frames of 1,000 bytes (40 ms apart by timestamp), a key frame a second, each with a 100-byte audio message,
    /// one arriving every <paramref name="arrivalMs"/>: 200 kbit/s of video and 20 of audio at their own pace.
    /// </summary>
    private void Publish(int frames, uint firstTs, int arrivalMs)
    {
        for (var n = 0; n < frames; n++)
        {
            var ts = firstTs + (uint)(n * 40);
            Send(ts % 1000 == 0 ? FrameClass.KeyFrame : FrameClass.InterFrame, ts, 1000);
            Send(FrameClass.Audio, ts + 3, 100);
            _clock.NowMs += arrivalMs;
        }
    }

    [Fact]
    public void FramesAtTheirOwnPace_Are25Fps()
    {
        Publish(frames: 150, firstTs: 0, arrivalMs: 40); // 6 s

        Assert.Equal(25.0, _stream.GetStats().VideoFps);
    }

    [Theory]
    [InlineData(0)]   // at a second's start: the current second has nothing yet
    [InlineData(520)] // half-way through it
    [InlineData(960)] // at its end
    public void Bitrates_AtAnyPointOfTheCurrentSecond_AreTheStreamsOwn(int intoTheSecond)
    {
        Publish(frames: 150 + intoTheSecond / 40, firstTs: 0, arrivalMs: 40); // published at 10 s; now 16 s + intoTheSecond

        var stats = _stream.GetStats();
        Assert.InRange(stats.VideoKbps, 199, 201);
        Assert.InRange(stats.AudioKbps, 19, 21);
    }

    [Fact]
    public void FramesArrivingInABurst_CountAtTheRateTheyWereMade()
    {
        Publish(frames: 50, firstTs: 0, arrivalMs: 40);
        _clock.NowMs += 1_000;                           // a 1 s stall, then the publisher catches up
        Publish(frames: 75, firstTs: 2_000, arrivalMs: 24); // 3 s of frames in 1.8 s

        // Frames over wall-clock seconds would say ≈ 28.8 here, and ≈ 41.7 in the catch-up alone.
        Assert.Equal(25.0, _stream.GetStats().VideoFps);
    }

    [Fact]
    public void TimestampsAcrossThe32BitWrap_StillGiveTheRate()
    {
        Publish(frames: 150, firstTs: uint.MaxValue - 2_999, arrivalMs: 40);

        Assert.Equal(25.0, _stream.GetStats().VideoFps);
    }

    [Fact]
    public void OneFrame_IsCountedOverTheWindowsSeconds()
    {
        Send(FrameClass.KeyFrame, 0);
        _clock.NowMs += 2_000;

        Assert.Equal(0.5, _stream.GetStats().VideoFps); // 1 frame in the 2 s since the publish
    }
}

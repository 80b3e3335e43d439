using CallMedia.Delivery;

namespace CallMedia.Tests.Delivery;

/// <summary>
/// The pipe from a viewer's RTMP Acknowledgements (RTMP spec §5.4.3/§5.4.4) beside the kernel's coarse view: what was
/// written minus what the peer says it read, counted only at the small window the writer announced.
/// </summary>
public sealed class LinkEstimatorAckTests
{
    private const int PeerBuffer = 9219; // the largest window a peer with an 8 KiB SO_RCVBUF advertised on Linux 6.18

    [Theory]
    [InlineData(2 * 1024, LinkEstimator.SmallAckWindowBytes)]
    [InlineData(4 * 1024, LinkEstimator.SmallAckWindowBytes)]
    [InlineData(32 * 1024 - 1, LinkEstimator.SmallAckWindowBytes)]
    [InlineData(32 * 1024, LinkEstimator.LargeAckWindowBytes)]
    [InlineData(1024 * 1024, LinkEstimator.LargeAckWindowBytes)]
    public void AckWindowFor_1KiBWhileTheBudgetIsSmall_TheLargeWindowFrom32KiB(int budget, int window) =>
        Assert.Equal(window, LinkEstimator.AckWindowFor(budget));

    [Fact]
    public void AfterTheSmallWindow_TheFirstAck_MakesThePipeWhatWasWrittenMinusWhatThePeerRead_WhateverTheKernelShows()
    {
        var link = Started(out _);
        link.OnWritten(8_000, 10);
        link.OnPeerAcknowledged(1_347);

        Assert.True(link.AcksCount);
        Assert.Equal(296 + 8_000 - 1_347, link.PipeBytes);
        // The kernel says 1 631 bytes unread (window 7 588 of 9 219) and nothing in flight: it falls short; the count stands.
        link.OnSample(new LinkSample(70, 0, 0, 7_588), waiting: true);
        Assert.Equal(296 + 8_000 - 1_347, link.PipeBytes);
        link.OnWritten(200, 71);
        Assert.Equal(296 + 8_200 - 1_347, link.PipeBytes);
    }

    [Fact]
    public void BeforeTheFirstAck_ThePipeIsAtLeastWhatWasWrittenSinceTheAnnouncement_AndAnAckFromBeforeItDoesNotCount()
    {
        var link = Started(out _);
        link.OnWritten(6_000, 10);
        link.OnSample(new LinkSample(20, 1_000, 0, 7_000), waiting: false); // the kernel: 1 000 + 2 219 unread
        Assert.False(link.AcksCount);
        Assert.Equal(6_000, link.PipeBytes);

        link.OnPeerAcknowledged(200); // sent before the peer took the small window
        Assert.False(link.AcksCount);
        link.OnSample(new LinkSample(30, 1_000, 0, 7_000), waiting: false);
        Assert.Equal(6_000, link.PipeBytes);

        link.OnPeerAcknowledged(1_400);
        Assert.True(link.AcksCount);
        Assert.Equal(6_296 - 1_400, link.PipeBytes);
    }

    [Fact]
    public void AcksFarApart_AsLibrtmpSendsThem_DoNotCount_TheKernelsViewStands()
    {
        var link = Started(out _);
        link.OnWritten(300_000, 10);
        link.OnPeerAcknowledged(250_296); // a tenth of the Set Peer Bandwidth, not our window
        Assert.False(link.AcksCount);

        link.OnSample(new LinkSample(30, 2_000, 0, PeerBuffer), waiting: false);
        Assert.Equal(2_000, link.PipeBytes);
    }

    [Fact]
    public void TheLargeWindow_EndsTheCount_AndLateAcksAreIgnored()
    {
        var link = Started(out _);
        link.OnWritten(4_000, 10);
        link.OnPeerAcknowledged(2_000);
        Assert.True(link.AcksCount);

        link.OnAckWindowAnnounced(LinkEstimator.LargeAckWindowBytes);
        Assert.False(link.AcksCount);
        link.OnPeerAcknowledged(3_000);
        Assert.False(link.AcksCount);
        link.OnSample(new LinkSample(40, 700, 0, PeerBuffer), waiting: false);
        Assert.Equal(700, link.PipeBytes);
    }

    [Fact]
    public void APeerThatCountsTheHandshake_IsLearntFromAnAckBeyondWhatWasWritten_ALargerExcessEndsTheCount()
    {
        var link = Started(out _);
        link.OnWritten(2_000, 10);
        link.OnPeerAcknowledged(LinkEstimator.HandshakeBytes + 2_296); // read everything, counted with S0 + S1 + S2
        Assert.True(link.AcksCount);
        Assert.Equal(0, link.PipeBytes);

        link.OnWritten(5_000, 30);
        link.OnPeerAcknowledged(LinkEstimator.HandshakeBytes + 2_296 + 1_024);
        Assert.Equal(5_000 - 1_024, link.PipeBytes);

        link.OnPeerAcknowledged(LinkEstimator.HandshakeBytes + 2_296 + 9_000); // more than it could have read
        Assert.False(link.AcksCount);
        link.OnPeerAcknowledged(LinkEstimator.HandshakeBytes + 2_296 + 2_048); // not asked again
        Assert.False(link.AcksCount);
    }

    [Fact]
    public void TheSequenceWrapsAt32Bits()
    {
        var link = Started(out _);
        link.OnWritten(int.MaxValue, 10);
        link.OnWritten(int.MaxValue, 11);
        link.OnWritten(10_000, 12);
        var written = 296L + 2L * int.MaxValue + 10_000; // past 2^32
        link.OnPeerAcknowledged(unchecked((uint)(written - 1_500)));
        // The spacing from the announcement is far beyond a few windows: not counted, but the wrap must not throw or
        // learn a bogus offset; a second ack one window on counts.
        link.OnPeerAcknowledged(unchecked((uint)(written - 500)));
        Assert.True(link.AcksCount);
        Assert.Equal(500, link.PipeBytes);
    }

    [Fact]
    public void AWriterStuckWhileAcksCount_GivesThemUpForTheRestOfTheConnection()
    {
        var link = Started(out _);
        link.OnWritten(6_000, 10);
        link.OnPeerAcknowledged(1_296);
        link.OnSample(new LinkSample(110, 0, 0, 3_000), waiting: true);
        Assert.True(link.AcksCount);

        // Stuck 500 ms with nothing unsent: e.g. FFmpeg, which counts a video message going out in chunks only once whole.
        link.ForgetPeerUnread();
        Assert.False(link.AcksCount);
        Assert.Equal(0, link.PipeBytes);

        link.OnAckWindowAnnounced(LinkEstimator.SmallAckWindowBytes);
        link.OnWritten(1_000, 700);
        link.OnPeerAcknowledged(6_296);
        Assert.False(link.AcksCount);
        link.OnSample(new LinkSample(710, 400, 0, 3_000), waiting: false);
        Assert.Equal(400, link.PipeBytes); // the kernel's view
    }

    [Fact]
    public void APeerWithALargeReceiveBuffer_KeepsTheKernelsView()
    {
        var link = new LinkEstimator();
        link.OnSample(new LinkSample(0, 0, 0, 102_400), waiting: false);
        link.OnAckWindowAnnounced(LinkEstimator.SmallAckWindowBytes);
        link.OnWritten(5_000, 10);
        link.OnPeerAcknowledged(1_000);
        Assert.False(link.AcksCount);
        link.OnSample(new LinkSample(30, 0, 0, 102_400), waiting: false);
        Assert.Equal(0, link.PipeBytes);
    }

    /// <summary>A viewer with a small receive buffer: 296 bytes of replies written, then the small window announced.</summary>
    private static LinkEstimator Started(out int window)
    {
        var link = new LinkEstimator();
        link.OnSample(new LinkSample(0, 0, 0, PeerBuffer), waiting: false);
        link.OnWritten(296, 1);
        link.OnSample(new LinkSample(2, 0, 0, PeerBuffer), waiting: false);
        window = LinkEstimator.AckWindowFor(link.BudgetBytes);
        Assert.Equal(LinkEstimator.SmallAckWindowBytes, window);
        link.OnAckWindowAnnounced(window);
        return link;
    }
}

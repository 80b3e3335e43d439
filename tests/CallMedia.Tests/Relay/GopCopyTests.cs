using CallMedia.Media;
using CallMedia.Relay;

namespace CallMedia.Tests.Relay;

/// <summary>The latest GOP kept for captures as a copy: from a key frame, bounded, byte for byte, given back.</summary>
public sealed class GopCopyTests
{
    private static MediaPacket Packet(FrameClass frameClass, uint ts, byte fill, int size)
    {
        var buffer = MediaBuffer.Rent(size);
        buffer.Array.AsSpan(0, size).Fill(fill);
        return new MediaPacket(frameClass, ts, buffer);
    }

    private static void Offer(GopCopy copy, FrameClass frameClass, uint ts, byte fill, int size, int maxBytes = 1 << 20)
    {
        var packet = Packet(frameClass, ts, fill, size);
        if (frameClass == FrameClass.KeyFrame)
            copy.Restart(packet);
        else
            copy.Add(packet, maxBytes);
        packet.Payload.Release(); // the copy keeps no reference
    }

    [Fact]
    public void HoldsTheMessagesFromTheLatestKeyFrame_ByteForByte()
    {
        var copy = new GopCopy();
        Offer(copy, FrameClass.InterFrame, 0, 1, 100);      // before any key frame: nothing to decode from
        Assert.Equal(0, copy.Count);
        Offer(copy, FrameClass.KeyFrame, 1000, 2, 30_000);
        Offer(copy, FrameClass.Audio, 990, 3, 200);         // interleaved audio slightly before the key frame's time
        Offer(copy, FrameClass.InterFrame, 1040, 4, 3_000);
        Offer(copy, FrameClass.KeyFrame, 2000, 5, 20_000);  // a new GOP replaces the old one
        Offer(copy, FrameClass.Audio, 1995, 6, 210);
        Offer(copy, FrameClass.InterFrame, 2040, 7, 2_500);

        Assert.True(copy.StartsAtKeyFrame);
        Assert.Equal(20_000 + 210 + 2_500, copy.Bytes);
        Assert.Equal(1995u, copy.FirstTimestamp());
        var packets = copy.ToPackets();
        Assert.Equal([(FrameClass.KeyFrame, 2000u, 20_000), (FrameClass.Audio, 1995u, 210), (FrameClass.InterFrame, 2040u, 2_500)],
            packets.Select(p => (p.Class, p.Timestamp, p.Payload.Length)));
        Assert.Equal([5, 6, 7], packets.Select(p => (int)p.Payload.Span.ToArray().Distinct().Single()));
        foreach (var packet in packets)
            packet.Payload.Release();
    }

    [Fact]
    public void MessagesAcrossBlockBoundaries_ComeBackInOrder()
    {
        AGopComesBackByteForByte(new GopCopy(), [10_000, 40_000, 1, 16_384, 7_000], seed: 7);
    }

    /// <summary>Restarts <paramref name="copy"/> with a GOP of messages of <paramref name="sizes"/> bytes (each its own
    /// pattern) and checks that the copy gives every message back, in order, byte for byte.</summary>
    private static void AGopComesBackByteForByte(GopCopy copy, int[] sizes, int seed)
    {
        var sent = new List<byte[]>();
        for (var m = 0; m < sizes.Length; m++)
        {
            var bytes = Enumerable.Range(0, sizes[m]).Select(i => (byte)((i * seed + m + sizes.Length) % 251)).ToArray();
            sent.Add(bytes);
            var packet = new MediaPacket(m == 0 ? FrameClass.KeyFrame : FrameClass.InterFrame, (uint)(m * 40), MediaBuffer.CopyOf(bytes));
            if (m == 0)
                copy.Restart(packet);
            else
                copy.Add(packet, 1 << 20);
            packet.Payload.Release();
        }

        var packets = copy.ToPackets();
        Assert.Equal(sizes.Sum(), copy.Bytes);
        for (var m = 0; m < sizes.Length; m++)
        {
            Assert.Equal(sent[m], packets[m].Payload.Span.ToArray());
            packets[m].Payload.Release();
        }
    }

    [Fact]
    public void SmallerAndLargerGopsAfterEachOther_AndAfterRelease_ComeBackByteForByte()
    {
        // The tail block is remembered between appends: a GOP that starts again at byte 0 (Clear) or after the blocks
        // were given back (Release) must write where it reads.
        var copy = new GopCopy();
        foreach (var (sizes, release) in new[] { (new[] { 20_000, 30_000 }, false), (new[] { 100, 200 }, false), (new[] { 5_000, 40_000, 3 }, true), (new[] { 17_000, 1 }, false) })
        {
            AGopComesBackByteForByte(copy, sizes, seed: 13);
            if (release)
            {
                copy.Release();
                Assert.Equal(0, copy.Capacity);
            }
        }
    }

    [Fact]
    public void PastTheBound_TheGopIsLetGoUntilTheNextKeyFrame()
    {
        var copy = new GopCopy();
        Offer(copy, FrameClass.KeyFrame, 0, 1, 600, maxBytes: 1000);
        Offer(copy, FrameClass.InterFrame, 40, 2, 300, maxBytes: 1000);
        Offer(copy, FrameClass.InterFrame, 80, 3, 300, maxBytes: 1000);  // 1200 > 1000
        Assert.Equal(0, copy.Count);
        Offer(copy, FrameClass.InterFrame, 120, 4, 100, maxBytes: 1000); // still waiting for a key frame
        Assert.Equal(0, copy.Count);
        Offer(copy, FrameClass.KeyFrame, 160, 5, 400, maxBytes: 1000);
        Assert.True(copy.StartsAtKeyFrame);
        Assert.Equal(400, copy.Bytes);
    }

    [Fact]
    public void KeepsAboutOneGopOfMemory_AndGivesItBack()
    {
        var copy = new GopCopy();
        for (var gop = 0; gop < 5; gop++)
        {
            Offer(copy, FrameClass.KeyFrame, (uint)(gop * 2000), 1, 40_000);
            for (var i = 1; i < 50; i++)
                Offer(copy, FrameClass.InterFrame, (uint)(gop * 2000 + i * 40), 2, 2_000);
        }
        Assert.Equal(40_000 + 49 * 2_000, copy.Bytes);
        Assert.InRange(copy.Capacity, copy.Bytes, copy.Bytes * 3 / 2);
        copy.Release();
        Assert.Equal(0, copy.Capacity);
        Assert.False(copy.StartsAtKeyFrame);
    }
}

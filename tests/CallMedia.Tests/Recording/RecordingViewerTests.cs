using CallMedia.Recording;
using System.Security.Cryptography;
using CallMedia.Control;
using CallMedia.Rtmp.Chunks;
using CallMedia.Tests.Loopback;

namespace CallMedia.Tests.Recording;

/// <summary>A recording is not a viewer: what viewers get is the same with and without one, and the file holds the publish.</summary>
[Collection(nameof(RecordingCollection))]
public sealed class RecordingViewerTests
{
    private const int PublishMs = 5000;

    [Fact]
    public async Task Viewers_OfARecordedAndAnUnrecordedStream_ReceiveTheSameBytes_AndTheFileHoldsThePublishedTags()
    {
        var tags = await FlvFile.SampleAsync(); // a real x264 + AAC file made by ffmpeg
        // Viewer bounds far above scheduling stalls of a busy machine: the comparison is about the recording, and a
        // drop-policy drop in one of the two streams (seen at load average 50 with the 500 ms default) is not.
        await using var host = await RelayHost.StartAsync(new()
        {
            ["Media:ViewerQueueMs"] = "10000",
            ["Media:ViewerHardLimitMs"] = "20000",
        });
        var recorder = host.Service<RelayRecorder>();
        using var dir = MediaFiles.NewDirectory();
        Assert.True(recorder.StartRecording("rec", dir.File("rec.flv")));

        // The same tags to both streams at the same time, each with an RTMP viewer from the start.
        var viewers = new Dictionary<string, RtmpPeer>();
        var publishing = new List<Task>();
        var publishers = new List<RtmpPeer>();
        foreach (var name in new[] { "plain", "rec" })
        {
            var viewer = await RtmpPeer.ConnectAsync(host.RtmpEndPoint);
            Assert.Equal("NetStream.Play.Reset", await viewer.PlayAsync(name));
            viewers[name] = viewer;
        }
        foreach (var name in new[] { "plain", "rec" })
        {
            var publisher = await RtmpPeer.ConnectAsync(host.RtmpEndPoint);
            Assert.Equal("NetStream.Publish.Start", await publisher.PublishAsync(name));
            publishers.Add(publisher);
        }
        publishing.AddRange(publishers.Select(p => new FlvFilePublisher(p, tags).RunAsync(PublishMs)));
        await Task.WhenAll(publishing);
        await Task.Delay(500); // the last messages reach the viewers
        var summary = recorder.StopRecording("rec")!;

        // Per track (the writer sends queued audio first, so how the tracks interleave on the wire is timing).
        var plain = Media(viewers["plain"].Drain());
        var recorded = Media(viewers["rec"].Drain());
        Assert.True(plain.Count > 300, $"{plain.Count} messages");
        foreach (var type in new[] { RtmpMessageType.Audio, RtmpMessageType.Video, RtmpMessageType.DataAmf0 })
        {
            var (a, b) = (plain.Where(m => m.Type == type).ToList(), recorded.Where(m => m.Type == type).ToList());
            Assert.Equal(a.Count, b.Count);
            for (var i = 0; i < a.Count; i++)
                Assert.True(a[i] == b[i], $"{type} message {i}: {a[i]} vs {b[i]}");
        }

        // The file: the published metadata, headers and frames, byte for byte, on the published timestamps.
        var published = tags.Where(t => t.Timestamp <= PublishMs).Select(t => (t.Type, t.Timestamp, Hash(t.Body))).ToList();
        var written = FlvFile.Parse(await File.ReadAllBytesAsync(summary.FilePath)).Select(t => (t.Type, t.Timestamp, Hash(t.Body))).ToList();
        Assert.Equal(published.Count, written.Count);
        Assert.Equal(published, written);
        Assert.Equal((0L, 0L), (summary.DroppedTags, summary.FirstTimestampMs!.Value));

        foreach (var peer in viewers.Values.Concat(publishers))
            await peer.DisposeAsync();
    }

    private static List<(RtmpMessageType Type, uint Timestamp, string Hash)> Media(List<Received> messages) =>
        [.. messages.Where(m => m.Type is RtmpMessageType.Audio or RtmpMessageType.Video or RtmpMessageType.DataAmf0)
            .Select(m => (m.Type, m.Timestamp, Hash(m.Payload)))];

    private static string Hash(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes))[..16];
}

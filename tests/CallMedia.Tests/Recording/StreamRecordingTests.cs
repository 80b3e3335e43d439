using System.Diagnostics.Metrics;
using CallMedia.Media;
using CallMedia.Recording;
using CallMedia.Rtmp.Chunks;
using CallMedia.Tests.Loopback;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallMedia.Tests.Recording;

/// <summary>
/// The recording's rules without sockets or encoders: what is queued (key-frame start, gaps when the queue is full) and
/// how the file's timestamps and headers come out, fed synthetic packets and read back with the tests' FLV parser.
/// </summary>
public sealed class StreamRecordingTests : IDisposable
{
    private readonly MediaFiles.TempDirectory _dir = MediaFiles.NewDirectory();
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    [Fact]
    public void File_StartsAtTheFirstMediaTag_WritesHeadersOnceUnlessChanged_AndNeverStepsBackPerTrack()
    {
        var (recording, path) = NewRecording(queueBytes: 1 << 20);
        recording.Offer(Packet(FrameClass.Metadata, 0, 1));
        recording.Offer(Packet(FrameClass.AudioSequenceHeader, 5000, 2));
        recording.Offer(Packet(FrameClass.VideoSequenceHeader, 5000, 3));
        recording.Offer(Packet(FrameClass.InterFrame, 5000, 4));        // before any key frame: not decodable, skipped
        recording.Offer(Packet(FrameClass.KeyFrame, 5040, 5));          // the first media tag: file time 0
        recording.Offer(Packet(FrameClass.Audio, 5030, 6));             // a track starting slightly earlier: held at 0
        recording.Offer(Packet(FrameClass.Audio, 5053, 7));
        recording.Offer(Packet(FrameClass.VideoSequenceHeader, 6000, 3)); // a reconnect's identical header: not again
        recording.Offer(Packet(FrameClass.InterFrame, 5080, 8));
        recording.Offer(Packet(FrameClass.VideoSequenceHeader, 6000, 9)); // a changed one: written
        recording.Offer(Packet(FrameClass.KeyFrame, 6000, 10));
        var summary = recording.Stop();

        var tags = FlvFile.Parse(File.ReadAllBytes(path)).Select(t => (t.Type, t.Timestamp, (int)t.Body[^1])).ToList();
        Assert.Equal(
        [
            (RtmpMessageType.DataAmf0, 0u, 1), (RtmpMessageType.Audio, 0u, 2), (RtmpMessageType.Video, 0u, 3),
            (RtmpMessageType.Video, 0u, 5), (RtmpMessageType.Audio, 0u, 6), (RtmpMessageType.Audio, 13u, 7),
            (RtmpMessageType.Video, 40u, 8), (RtmpMessageType.Video, 960u, 9), (RtmpMessageType.Video, 960u, 10),
        ], tags);
        Assert.Equal((0L, 960L, 0L), (summary.FirstTimestampMs!.Value, summary.LastTimestampMs!.Value, summary.DroppedTags));
        Assert.Equal(new FileInfo(path).Length, summary.Bytes);
    }

    [Fact]
    public void Offer_WhenTheQueueIsFull_DropsMediaAsOneGap_KeepsHeaders_AndResumesVideoAtAKeyFrame()
    {
        var (recording, path) = NewRecording(queueBytes: 1000);
        recording.Offer(Packet(FrameClass.KeyFrame, 0, 1, size: 600));
        recording.Offer(Packet(FrameClass.InterFrame, 40, 2, size: 300));
        recording.Offer(Packet(FrameClass.InterFrame, 80, 3, size: 300)); // 1200 > 1000: the gap begins
        recording.Offer(Packet(FrameClass.Audio, 90, 4, size: 50));       // fits, but the gap lasts until the queue is half empty
        recording.Offer(Packet(FrameClass.VideoSequenceHeader, 100, 5, size: 300)); // never dropped
        recording.WriteQueued();                                           // the writer catches up
        recording.Offer(Packet(FrameClass.InterFrame, 120, 6, size: 100)); // after the gap, video waits for a key frame
        recording.Offer(Packet(FrameClass.Audio, 130, 7, size: 50));       // audio resumes at once
        recording.Offer(Packet(FrameClass.KeyFrame, 160, 8, size: 400));
        recording.Offer(Packet(FrameClass.InterFrame, 200, 9, size: 100));
        var summary = recording.Stop();

        var marks = FlvFile.Parse(File.ReadAllBytes(path)).Select(t => (int)t.Body[^1]).ToList();
        Assert.Equal([1, 2, 5, 7, 8, 9], marks);
        Assert.Equal((3L, 1), (summary.DroppedTags, summary.Gaps)); // 3 and 4 to the full queue, 6 to the gap's key-frame wait
    }

    private (StreamRecording Recording, string Path) NewRecording(int queueBytes)
    {
        var path = _dir.File($"r{Guid.NewGuid():N}.flv");
        var metrics = new RecordingMetrics(_services.GetRequiredService<IMeterFactory>(), () => 1);
        var recording = new StreamRecording("s", RecordingFile.Create(path), new RecordingOptions { QueueBytes = queueBytes },
            TimeProvider.System, NullLogger.Instance, metrics, () => (true, true));
        return (recording, path);
    }

    /// <summary>A packet whose body ends with <paramref name="mark"/> (to find it in the file), first bytes as FLV would have them.</summary>
    private static MediaPacket Packet(FrameClass frameClass, uint timestamp, byte mark, int size = 8)
    {
        var buffer = MediaBuffer.Rent(size);
        buffer.Array.AsSpan(0, size).Clear();
        buffer.Array[0] = frameClass switch
        {
            FrameClass.KeyFrame or FrameClass.VideoSequenceHeader => 0x17,
            FrameClass.InterFrame => 0x27,
            FrameClass.Audio or FrameClass.AudioSequenceHeader => 0xAF,
            _ => 0x02,
        };
        buffer.Array[1] = frameClass is FrameClass.VideoSequenceHeader or FrameClass.AudioSequenceHeader ? (byte)0 : (byte)1;
        buffer.Array[size - 1] = mark;
        return new MediaPacket(frameClass, timestamp, buffer);
    }

    public void Dispose()
    {
        _services.Dispose();
        _dir.Dispose();
    }
}

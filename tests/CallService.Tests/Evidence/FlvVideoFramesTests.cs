using CallService.Evidence.Snapshots;

namespace CallService.Tests.Evidence;

/// <summary>Counting coded video frames in a captured GOP (so a snapshot encodes only the last pictures).</summary>
public sealed class FlvVideoFramesTests
{
    private static byte[] Tag(byte type, params byte[] data)
    {
        var tag = new List<byte> { type, (byte)(data.Length >> 16), (byte)(data.Length >> 8), (byte)data.Length, 0, 0, 0, 0, 0, 0, 0 };
        tag.AddRange(data);
        var size = tag.Count;
        tag.AddRange([(byte)(size >> 24), (byte)(size >> 16), (byte)(size >> 8), (byte)size]);
        return [.. tag];
    }

    [Fact]
    public void Count_CountsAvcFramesOnly_NotSequenceHeadersAudioOrScript()
    {
        byte[] header = [(byte)'F', (byte)'L', (byte)'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0];
        byte[] flv =
        [
            .. header,
            .. Tag(18, 2, 0, 1),              // onMetaData
            .. Tag(9, 0x17, 0, 0, 0, 0),      // AVC sequence header
            .. Tag(8, 0xAF, 0),               // AAC sequence header
            .. Tag(9, 0x17, 1, 0, 0, 0, 9),   // key frame
            .. Tag(8, 0xAF, 1, 7),            // audio
            .. Tag(9, 0x27, 1, 0, 0, 0, 9),   // inter frame
            .. Tag(9, 0x90 | 1, 1, 2, 3, 4),  // enhanced RTMP coded frames
            .. Tag(9, 0x90 | 0, 1, 2, 3, 4),  // enhanced RTMP sequence start
        ];
        Assert.Equal(3, FlvVideoFrames.Count(flv));
        Assert.Equal(2, FlvVideoFrames.Count(flv.AsSpan(0, flv.Length - 25))); // a cut tag is not counted
        Assert.Equal(0, FlvVideoFrames.Count([1, 2, 3]));
    }
}

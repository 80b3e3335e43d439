using System.Buffers;
using CallMedia.Media;

namespace CallMedia.Recording;

/// <summary>
/// A copy of a live stream's decoder state: <c>onMetaData</c>, the sequence headers and the latest GOP (its key frame
/// first, then every audio and video message after it), each holding a payload reference until <see cref="Dispose"/>.
/// </summary>
internal sealed class LatestGop(MediaPacket? metadata, MediaPacket? audioHeader, MediaPacket? videoHeader, MediaPacket[] frames, uint firstTimestamp)
    : IDisposable
{
    /// <summary>
    /// A self-contained FLV: header, <c>onMetaData</c> at 0, the sequence headers at 0, then the GOP with its timestamps
    /// moved so that the earliest is 0 (a decoder rebuilds the newest picture from the key frame on).
    /// </summary>
    public byte[] ToFlv()
    {
        var buffer = new ArrayBufferWriter<byte>(frames.Sum(f => f.Payload.Length + 15) + 1024);
        var hasAudio = audioHeader is not null || frames.Any(f => f.IsAudio);
        FlvTags.AppendFileHeader(buffer, hasAudio, hasVideo: true);
        foreach (var header in new[] { metadata, audioHeader, videoHeader })
        {
            if (header is { } h)
                FlvTags.AppendTag(buffer, h.TagType, 0, h.Payload.Span);
        }
        foreach (var frame in frames)
        {
            var timestamp = unchecked((int)(frame.Timestamp - firstTimestamp));
            FlvTags.AppendTag(buffer, frame.TagType, (uint)Math.Max(0, timestamp), frame.Payload.Span);
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Releases every payload reference.</summary>
    public void Dispose()
    {
        metadata?.Payload.Release();
        audioHeader?.Payload.Release();
        videoHeader?.Payload.Release();
        foreach (var frame in frames)
            frame.Payload.Release();
    }
}

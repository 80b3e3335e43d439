namespace RtmpTestClient.Flv;

/// <summary>One FLV tag (or one RTMP media message): its kind, timestamp in milliseconds and payload.</summary>
/// <param name="Kind">Audio, video or script data.</param>
/// <param name="Timestamp">Milliseconds, full 32 bits (FLV: 24-bit timestamp + 8-bit extension).</param>
/// <param name="Payload">The tag body, starting with the audio/video header byte.</param>
public readonly record struct FlvTag(MediaKind Kind, uint Timestamp, ReadOnlyMemory<byte> Payload)
{
    /// <summary>True for a video keyframe (see <see cref="MediaPayload.IsKeyframe"/>).</summary>
    public bool IsKeyframe => MediaPayload.IsKeyframe(Kind, Payload.Span);

    /// <summary>True for an AVC/AAC sequence header (see <see cref="MediaPayload.IsSequenceHeader"/>).</summary>
    public bool IsSequenceHeader => MediaPayload.IsSequenceHeader(Kind, Payload.Span);
}

/// <summary>The 9-byte FLV file header: whether audio and video tags are announced.</summary>
public readonly record struct FlvHeader(byte Version, bool HasAudio, bool HasVideo);

namespace RtmpTestClient.Flv;

/// <summary>
/// The RTMP message / FLV tag types this client deals with. The values are the wire values, shared by
/// both formats (FLV spec v10.1 §E.4.1: 8 audio, 9 video, 18 script data; RTMP spec §7.1.5: 18 = AMF0 data).
/// </summary>
public enum MediaKind : byte
{
    /// <summary>Audio tag / RTMP message type 8.</summary>
    Audio = 8,

    /// <summary>Video tag / RTMP message type 9.</summary>
    Video = 9,

    /// <summary>Script data (AMF0 data message, e.g. <c>onMetaData</c>) / RTMP message type 18.</summary>
    Script = 18,
}

/// <summary>Classifies audio/video payloads by their first bytes (FLV spec §E.4.2, §E.4.3; enhanced RTMP v1).</summary>
public static class MediaPayload
{
    /// <summary>
    /// True when a video payload starts a keyframe (frame type 1). Works for legacy tags (frame type in the
    /// high nibble) and enhanced-RTMP tags (bit 7 set, frame type in bits 4–6).
    /// </summary>
    public static bool IsKeyframe(MediaKind kind, ReadOnlySpan<byte> payload)
    {
        if (kind != MediaKind.Video || payload.IsEmpty)
            return false;
        var frameType = (payload[0] & 0x80) != 0 ? (payload[0] >> 4) & 0x07 : payload[0] >> 4;
        return frameType == 1;
    }

    /// <summary>
    /// True for decoder configuration records: AVC/HEVC sequence header (codec 7/12, AVCPacketType 0),
    /// enhanced-RTMP <c>SequenceStart</c> (packet type 0), AAC sequence header (sound format 10, AACPacketType 0).
    /// </summary>
    public static bool IsSequenceHeader(MediaKind kind, ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty)
            return false;
        switch (kind)
        {
            case MediaKind.Video when (payload[0] & 0x80) != 0:
                return (payload[0] & 0x0F) == 0;
            case MediaKind.Video:
                var codec = payload[0] & 0x0F;
                return (codec is 7 or 12) && payload.Length > 1 && payload[1] == 0;
            case MediaKind.Audio:
                return payload[0] >> 4 == 10 && payload.Length > 1 && payload[1] == 0;
            default:
                return false;
        }
    }
}

namespace CallMedia.Media;

/// <summary>
/// Classifies FLV audio/video tag bodies (FLV spec v10.1 E.4.2/E.4.3, enhanced RTMP v1/v2 ex-header).
/// Unknown codecs pass through with the frame type their first byte announces.
/// </summary>
internal static class FrameClassifier
{
    private const int SoundFormatAac = 10;
    private const int SoundFormatExHeader = 9;
    private const int CodecAvc = 7;
    private const int CodecHevcLegacy = 12;

    public static FrameClass ClassifyAudio(ReadOnlySpan<byte> body)
    {
        if (body.Length < 2)
            return FrameClass.Audio;
        var format = body[0] >> 4;
        if (format == SoundFormatAac && body[1] == 0)
            return FrameClass.AudioSequenceHeader;
        if (format == SoundFormatExHeader && (body[0] & 0x0F) == 0)
            return FrameClass.AudioSequenceHeader; // enhanced audio: AudioPacketType.SequenceStart
        return FrameClass.Audio;
    }

    public static FrameClass ClassifyVideo(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
            return FrameClass.VideoOther;
        var b0 = body[0];
        if ((b0 & 0x80) != 0)
        {
            // Enhanced RTMP: IsExHeader | FrameType(3 bits) | VideoPacketType(4 bits), then a FourCC.
            var packetType = b0 & 0x0F;
            if (packetType == 0)
                return FrameClass.VideoSequenceHeader;
            if (packetType is 1 or 3)
                return FromFrameType((b0 >> 4) & 0x07);
            return FrameClass.VideoOther;
        }
        var codec = b0 & 0x0F;
        if (codec is CodecAvc or CodecHevcLegacy && body.Length >= 2)
        {
            if (body[1] == 0)
                return FrameClass.VideoSequenceHeader;
            if (body[1] == 2)
                return FrameClass.VideoOther; // end of sequence
        }
        return FromFrameType(b0 >> 4);
    }

    private static FrameClass FromFrameType(int frameType) => frameType switch
    {
        1 => FrameClass.KeyFrame,
        2 => FrameClass.InterFrame,
        3 => FrameClass.DisposableFrame,
        4 => FrameClass.KeyFrame, // generated key frame (server-side seek): a start point
        _ => FrameClass.VideoOther,
    };
}

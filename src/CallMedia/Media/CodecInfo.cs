namespace CallMedia.Media;

/// <summary>Video codec facts from a sequence header: codec, H.264 profile/level, coded picture size.</summary>
internal sealed record VideoCodecInfo(string Codec, int Profile, int Level, int Width, int Height)
{
    /// <summary>Parses an FLV video sequence header tag body; unknown codecs give only the codec name.</summary>
    public static VideoCodecInfo? Parse(ReadOnlySpan<byte> body)
    {
        if (body.Length < 2)
            return null;
        if ((body[0] & 0x80) != 0)
            return body.Length >= 5 ? new VideoCodecInfo(System.Text.Encoding.ASCII.GetString(body[1..5]), 0, 0, 0, 0) : null;
        if ((body[0] & 0x0F) != 7)
            return new VideoCodecInfo($"flv-codec-{body[0] & 0x0F}", 0, 0, 0, 0);
        // AVCDecoderConfigurationRecord starts after 5 bytes (codec byte, packet type, composition time).
        var record = body[5..];
        if (record.Length < 8)
            return new VideoCodecInfo("avc", 0, 0, 0, 0);
        var profile = record[1];
        var level = record[3];
        var spsCount = record[5] & 0x1F;
        var width = 0;
        var height = 0;
        if (spsCount > 0)
        {
            var spsLength = record[6] << 8 | record[7];
            if (record.Length >= 8 + spsLength && spsLength > 4)
                H264Sps.TryReadSize(record.Slice(8, spsLength), out width, out height);
        }
        return new VideoCodecInfo("avc", profile, level, width, height);
    }
}

/// <summary>Audio codec facts from a sequence header: codec, sample rate, channels.</summary>
internal sealed record AudioCodecInfo(string Codec, int SampleRate, int Channels)
{
    private static readonly int[] AacRates = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

    public static AudioCodecInfo? Parse(ReadOnlySpan<byte> body)
    {
        if (body.Length < 2)
            return null;
        var format = body[0] >> 4;
        if (format != 10 || body.Length < 4)
            return new AudioCodecInfo($"flv-sound-{format}", 0, 0);
        // AudioSpecificConfig: objectType(5) samplingFrequencyIndex(4) channelConfiguration(4).
        var asc = body[2] << 8 | body[3];
        var rateIndex = (asc >> 7) & 0x0F;
        var channels = (asc >> 3) & 0x0F;
        return new AudioCodecInfo("aac", rateIndex < AacRates.Length ? AacRates[rateIndex] : 0, channels);
    }
}

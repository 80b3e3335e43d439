using CallMedia.Media;

namespace CallMedia.Tests.Relay;

public sealed class FrameClassifierTests
{
    [Theory]
    [InlineData(new byte[] { 0x17, 0x00, 0, 0, 0 }, (int)FrameClass.VideoSequenceHeader)]
    [InlineData(new byte[] { 0x17, 0x01, 0, 0, 0 }, (int)FrameClass.KeyFrame)]
    [InlineData(new byte[] { 0x27, 0x01, 0, 0, 0 }, (int)FrameClass.InterFrame)]
    [InlineData(new byte[] { 0x37, 0x01, 0, 0, 0 }, (int)FrameClass.DisposableFrame)]
    [InlineData(new byte[] { 0x17, 0x02, 0, 0, 0 }, (int)FrameClass.VideoOther)] // AVC end of sequence
    [InlineData(new byte[] { 0x1C, 0x00, 0, 0, 0 }, (int)FrameClass.VideoSequenceHeader)] // legacy HEVC (codec id 12)
    [InlineData(new byte[] { 0x22, 0x00 }, (int)FrameClass.InterFrame)] // Sorenson H.263 inter frame passes through
    [InlineData(new byte[] { 0x90, (byte)'h', (byte)'v', (byte)'c', (byte)'1' }, (int)FrameClass.VideoSequenceHeader)] // enhanced RTMP SequenceStart
    [InlineData(new byte[] { 0x91, (byte)'h', (byte)'v', (byte)'c', (byte)'1' }, (int)FrameClass.KeyFrame)] // ex-header key CodedFrames
    [InlineData(new byte[] { 0xA3, (byte)'a', (byte)'v', (byte)'0', (byte)'1' }, (int)FrameClass.InterFrame)] // ex-header inter CodedFramesX
    [InlineData(new byte[] { 0x92, (byte)'v', (byte)'p', (byte)'0', (byte)'9' }, (int)FrameClass.VideoOther)] // SequenceEnd
    public void ClassifyVideo_RecognisesFlvAndEnhancedRtmpFrameTypes(byte[] body, int expected) =>
        Assert.Equal((FrameClass)expected, FrameClassifier.ClassifyVideo(body));

    [Theory]
    [InlineData(new byte[] { 0xAF, 0x00, 0x12, 0x10 }, (int)FrameClass.AudioSequenceHeader)]
    [InlineData(new byte[] { 0xAF, 0x01, 0x21 }, (int)FrameClass.Audio)]
    [InlineData(new byte[] { 0x2F, 0x00 }, (int)FrameClass.Audio)] // MP3 has no sequence header
    [InlineData(new byte[] { 0x90, (byte)'O', (byte)'p', (byte)'u', (byte)'s' }, (int)FrameClass.AudioSequenceHeader)] // enhanced audio
    public void ClassifyAudio_FindsSequenceHeaders(byte[] body, int expected) =>
        Assert.Equal((FrameClass)expected, FrameClassifier.ClassifyAudio(body));

    [Fact]
    public void AudioCodecInfo_ParsesAacConfig()
    {
        var info = AudioCodecInfo.Parse([0xAF, 0x00, 0x12, 0x10]); // AAC LC, 44.1 kHz, 2 channels
        Assert.Equal(new AudioCodecInfo("aac", 44100, 2), info);
    }

    [Fact]
    public void VideoCodecInfo_ParsesProfileLevelAndSizeFromSps()
    {
        // The SPS x264 writes for ffmpeg's testsrc at 320×240 (High 4:4:4 Predictive, level 1.3, emulation
        // prevention bytes included), inside an AVCDecoderConfigurationRecord.
        byte[] sps = [0x67, 0xF4, 0x00, 0x0D, 0x91, 0x96, 0x81, 0x41, 0xFB, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0x28, 0xF1, 0x42, 0xAA];
        byte[] body = [0x17, 0x00, 0, 0, 0, 0x01, 0xF4, 0x00, 0x0D, 0xFF, 0xE1, 0x00, (byte)sps.Length, .. sps, 0x01, 0x00, 0x05, 0x68, 0xCE, 0x0F, 0x19, 0x20];
        var info = VideoCodecInfo.Parse(body);
        Assert.NotNull(info);
        Assert.Equal(("avc", 244, 13), (info!.Codec, info.Profile, info.Level));
        Assert.Equal((320, 240), (info.Width, info.Height));
    }
}

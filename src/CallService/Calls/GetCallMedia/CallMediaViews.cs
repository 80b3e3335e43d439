using System.Globalization;
using CallContracts.Calls;
using CallMedia.Access;
using CallMedia.Hosting;

namespace CallService.Calls.GetCallMedia;

/// <summary>Maps the relay's <see cref="MediaStreamStats"/> to the stable wire shape of <see cref="StreamMediaView"/>.</summary>
internal static class CallMediaViews
{
    public static StreamMediaView Stream(string streamName, MediaStreamStats? s)
    {
        if (s is null) return new StreamMediaView(streamName, false, null, null, null, 0, []);
        var video = s.VideoCodec is null ? null : new VideoMediaView(
            s.VideoCodec, s.VideoProfile, ProfileName(s.VideoProfile), Level(s.VideoLevel), s.Width, s.Height,
            Math.Round(s.VideoFps, 2), s.KeyFrameIntervalMs, s.VideoKbps);
        var audio = s.AudioCodec is null ? null : new AudioMediaView(s.AudioCodec, s.AudioSampleRate, s.AudioChannels, s.AudioKbps);
        var viewers = s.Viewers.Select(v => new ViewerMediaView(
            v.ViewerId, Transport(v.Transport), v.AudioSent, v.AudioDropped, v.VideoSent, v.VideoDropped,
            v.BytesSent, v.QueueMs, v.MaxQueueMs)).ToArray();
        return new StreamMediaView(streamName, s.Live, s.Live ? s.PublisherAddress : null, video, audio, viewers.Length, viewers);
    }

    public static string Transport(MediaTransport transport) => transport == MediaTransport.HttpFlv ? "flv" : "rtmp";

    /// <summary>H.264 profile_idc names (ITU-T H.264 Annex A).</summary>
    public static string? ProfileName(int profileIdc) => profileIdc switch
    {
        66 => "baseline",
        77 => "main",
        88 => "extended",
        100 => "high",
        110 => "high10",
        122 => "high422",
        244 => "high444",
        _ => null,
    };

    /// <summary>level_idc 31 → "3.1", 30 → "3.0"; 0 (unknown) → null.</summary>
    public static string? Level(int levelIdc) =>
        levelIdc <= 0 ? null : (levelIdc / 10).ToString(CultureInfo.InvariantCulture) + "." + (levelIdc % 10).ToString(CultureInfo.InvariantCulture);
}

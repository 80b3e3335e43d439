namespace CallContracts.Calls;

/// <summary>
/// The relay's measurements of the stream a party publishes, accumulated over the call and kept in
/// the call record. Bitrates are 5-second averages as reported by the relay (every <c>Media:StatsIntervalMs</c>).
/// </summary>
/// <param name="Samples">Number of relay statistics reports folded in.</param>
/// <param name="LastVideoKbps">Video bitrate of the latest report, kbit/s.</param>
/// <param name="PeakVideoKbps">Highest video bitrate reported, kbit/s.</param>
/// <param name="LastAudioKbps">Audio bitrate of the latest report, kbit/s.</param>
/// <param name="PeakAudioKbps">Highest audio bitrate reported, kbit/s.</param>
/// <param name="LastFps">Video frames per second of the latest report.</param>
/// <param name="Width">Picture width of the latest report (from the SPS), 0 when unknown.</param>
/// <param name="Height">Picture height of the latest report, 0 when unknown.</param>
/// <param name="ViewerAudioDropped">Audio messages the relay dropped for the viewers of this stream (the peer's player).</param>
/// <param name="ViewerVideoDropped">Video messages the relay dropped for the viewers of this stream (the peer's player).</param>
/// <param name="Stalls">Times this party's publisher went silent while connected (<c>PublishStalled</c>).</param>
/// <param name="ProfileExceeded">Times this party was warned <c>profile_exceeded</c>.</param>
public sealed record PartyMediaQuality(
    int Samples,
    int LastVideoKbps,
    int PeakVideoKbps,
    int LastAudioKbps,
    int PeakAudioKbps,
    double LastFps,
    int Width,
    int Height,
    long ViewerAudioDropped,
    long ViewerVideoDropped,
    int Stalls,
    int ProfileExceeded);

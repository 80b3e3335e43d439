namespace CallContracts.Calls;

/// <summary>
/// Body of <c>GET /v1/calls/{callId}/media</c>: the relay's live view of both streams of a call.
/// Both streams are always present; a stream the relay does not hold has <c>live: false</c>, null codec info and no viewers.
/// </summary>
/// <param name="CallId">The call.</param>
/// <param name="State">The call's state (<c>ringing|accepted|connected|ended</c>).</param>
/// <param name="Streams">Stream <c>a</c> (published by the caller) and <c>b</c> (by the callee).</param>
public sealed record CallMediaResponse(string CallId, string State, CallMediaStreams Streams);

/// <summary>The two streams of a call.</summary>
/// <param name="A">Stream <c>{callId}-a</c>: the caller publishes, the callee plays.</param>
/// <param name="B">Stream <c>{callId}-b</c>: the callee publishes, the caller plays.</param>
public sealed record CallMediaStreams(StreamMediaView A, StreamMediaView B);

/// <summary>One stream as the relay sees it. Rates are averages over the last 5 s.</summary>
/// <param name="StreamName"><c>{callId}-a|b</c>.</param>
/// <param name="Live">True while a publisher is attached.</param>
/// <param name="PublisherAddress">The publisher's remote <c>ip:port</c> while live, else null.</param>
/// <param name="Video">Video codec info and rates; null until a video sequence header was seen.</param>
/// <param name="Audio">Audio codec info and rate; null until an audio sequence header was seen.</param>
/// <param name="ViewerCount">Viewers attached now.</param>
/// <param name="Viewers">Per-viewer counters.</param>
public sealed record StreamMediaView(
    string StreamName, bool Live, string? PublisherAddress, VideoMediaView? Video, AudioMediaView? Audio,
    int ViewerCount, IReadOnlyList<ViewerMediaView> Viewers);

/// <summary>Video of a stream.</summary>
/// <param name="Codec"><c>avc</c> (H.264), or an enhanced-RTMP FourCC.</param>
/// <param name="Profile">H.264 <c>profile_idc</c> (66 baseline, 77 main, 100 high); 0 when unknown.</param>
/// <param name="ProfileName"><c>baseline</c>, <c>main</c>, <c>extended</c>, <c>high</c>, <c>high10</c>, <c>high422</c>, <c>high444</c>, or null.</param>
/// <param name="Level">H.264 level as text (<c>level_idc</c> 31 → <c>"3.1"</c>); null when unknown.</param>
/// <param name="Width">Pixels, from the SPS; 0 when unknown.</param>
/// <param name="Height">Pixels, from the SPS; 0 when unknown.</param>
/// <param name="Fps">Frames per second over the last 5 s, by the stream's timestamps.</param>
/// <param name="KeyFrameIntervalMs">Milliseconds between the last two key frames (stream timestamps).</param>
/// <param name="Kbps">Video bitrate over the last 5 s (the seconds the window covers), kbit/s.</param>
public sealed record VideoMediaView(
    string Codec, int Profile, string? ProfileName, string? Level, int Width, int Height, double Fps, int KeyFrameIntervalMs, int Kbps);

/// <summary>Audio of a stream.</summary>
/// <param name="Codec"><c>aac</c>, …</param>
/// <param name="SampleRate">AAC sample rate, Hz; 0 when unknown.</param>
/// <param name="Channels">AAC channel configuration; 0 when unknown.</param>
/// <param name="Kbps">Audio bitrate over the last 5 s (the seconds the window covers), kbit/s.</param>
public sealed record AudioMediaView(string Codec, int SampleRate, int Channels, int Kbps);

/// <summary>One viewer of a stream.</summary>
/// <param name="ViewerId">Relay-unique viewer id.</param>
/// <param name="Transport"><c>rtmp</c> or <c>flv</c> (HTTP-FLV).</param>
/// <param name="AudioSent">Audio messages handed to the connection.</param>
/// <param name="AudioDropped">Audio messages dropped (only at the hard bound).</param>
/// <param name="VideoSent">Video messages handed to the connection.</param>
/// <param name="VideoDropped">Video messages dropped by the priority policy.</param>
/// <param name="BytesSent">Payload bytes handed to the connection.</param>
/// <param name="QueueMs">Current queue length in media milliseconds (including unsent kernel bytes).</param>
/// <param name="MaxQueueMs">Largest queue length seen, ms.</param>
public sealed record ViewerMediaView(
    long ViewerId, string Transport, long AudioSent, long AudioDropped, long VideoSent, long VideoDropped,
    long BytesSent, int QueueMs, int MaxQueueMs);

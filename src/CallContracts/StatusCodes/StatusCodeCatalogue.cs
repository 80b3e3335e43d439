using System.Collections.Frozen;
using static CallContracts.StatusCodes.StatusCategory;
using static CallContracts.StatusCodes.StatusComponent;

namespace CallContracts.StatusCodes;

/// <summary>
/// Every <c>&lt;live-pusher&gt;</c> / <c>&lt;live-player&gt;</c> <c>bindstatechange</c> code and <c>binderror</c>
/// code the service knows (DESIGN §3.3). Sources: <c>seeds/004</c> (official live-pusher reference: event
/// tables with PUSH_EVT_* / PUSH_ERR_* / PUSH_WARNING_* names), <c>seeds/001</c> (live-player status-code
/// table, binderror 10001/10002 and the reference call page that hangs up on
/// 2006, −2301, −1310, 3001, 3002, 3003, 3005). Codes 3001–3005 exist for both components.
/// </summary>
public static class StatusCodeCatalogue
{
    private const string PusherDocs = "live-pusher docs (seeds/004, event tables)";
    private const string PusherSdk = "live-pusher status codes (DESIGN §3.3; LiteAV SDK name)";
    private const string PlayerDocs = "live-player docs (seeds/001, status-code table; LiteAV SDK name)";
    private const string ErrorDocs = "binderror (seeds/001, reference call page)";

    /// <summary>All entries, pusher codes first, then player, then binderror.</summary>
    public static IReadOnlyList<StatusCodeInfo> All { get; } =
    [
        new(1001, "PUSH_EVT_CONNECT_SUCC", "connected to the server", Pusher, Progress, PusherDocs),
        new(1002, "PUSH_EVT_PUSH_BEGIN", "handshake done, push begins", Pusher, Progress, PusherDocs),
        new(1003, "PUSH_EVT_OPEN_CAMERA_SUCC", "camera opened", Pusher, Progress, PusherDocs),
        new(1004, "PUSH_EVT_SCREEN_CAPTURE_SUCC", "screen capture started", Pusher, Progress, PusherSdk),
        new(1005, "PUSH_EVT_CHANGE_RESOLUTION", "encoder resolution adjusted", Pusher, Progress, PusherSdk),
        new(1006, "PUSH_EVT_CHANGE_BITRATE", "encoder bitrate adjusted", Pusher, Progress, PusherSdk),
        new(1007, "PUSH_EVT_FIRST_FRAME_AVAILABLE", "first frame captured", Pusher, Progress, PusherSdk),
        new(1008, "PUSH_EVT_START_VIDEO_ENCODER", "encoder started", Pusher, Progress, PusherSdk),
        new(-1301, "PUSH_ERR_OPEN_CAMERA_FAIL", "open camera failed", Pusher, TerminalCandidate, PusherDocs),
        new(-1302, "PUSH_ERR_OPEN_MIC_FAIL", "open microphone failed", Pusher, TerminalCandidate, PusherDocs),
        new(-1303, "PUSH_ERR_VIDEO_ENCODE_FAIL", "video encode failed", Pusher, TerminalCandidate, PusherDocs),
        new(-1304, "PUSH_ERR_AUDIO_ENCODE_FAIL", "audio encode failed", Pusher, TerminalCandidate, PusherDocs),
        new(-1305, "PUSH_ERR_UNSUPPORTED_RESOLUTION", "unsupported video resolution", Pusher, TerminalCandidate, PusherDocs),
        new(-1306, "PUSH_ERR_UNSUPPORTED_SAMPLERATE", "unsupported audio sample rate", Pusher, TerminalCandidate, PusherDocs),
        new(-1307, "PUSH_ERR_NET_DISCONNECT", "network lost, retries exhausted", Pusher, TerminalCandidate, PusherDocs),
        new(-1308, "PUSH_ERR_SCREEN_CAPTURE_START_FAILED", "screen capture start failed", Pusher, TerminalCandidate, PusherSdk),
        new(-1309, "PUSH_ERR_SCREEN_CAPTURE_UNSURPORT", "screen capture unsupported (Android < 5)", Pusher, TerminalCandidate, PusherSdk),
        new(-1310, "PUSH_ERR_SCREEN_CAPTURE_INTERRUPTED", "screen capture interrupted by another app", Pusher, TerminalCandidate, PusherSdk),
        new(-1311, "PUSH_ERR_MIC_RECORD_FAIL", "microphone opened but no audio", Pusher, TerminalCandidate, PusherSdk),
        new(-1312, "PUSH_ERR_SCREEN_CAPTURE_SWITCH_FAILED", "screen capture orientation switch failed", Pusher, TerminalCandidate, PusherSdk),
        new(1101, "PUSH_WARNING_NET_BUSY", "uplink too slow", Pusher, Warning, PusherDocs),
        new(1102, "PUSH_WARNING_RECONNECT", "network lost, auto-reconnect started", Pusher, Warning, PusherDocs),
        new(1103, "PUSH_WARNING_HW_ACCELERATION_FAIL", "hardware encoder failed, software encoder used", Pusher, Warning, PusherDocs),
        new(1104, "PUSH_WARNING_VIDEO_ENCODE_FAIL", "video encode failed", Pusher, Warning, PusherSdk),
        new(1105, "PUSH_WARNING_BEAUTYSURFACE_VIEW_INIT_FAIL", "beauty filter: software encoder fallback", Pusher, Warning, PusherSdk),
        new(1106, "PUSH_WARNING_BEAUTYSURFACE_VIEW_INIT_FAIL_SW", "beauty filter: software encoder fallback", Pusher, Warning, PusherSdk),
        new(1107, "PUSH_WARNING_SWITCH_SWENC", "encoder switched", Pusher, Warning, PusherDocs),
        new(3001, "PUSH_WARNING_DNS_FAIL", "DNS failed, retry started", Pusher, TerminalCandidate, PusherDocs),
        new(3002, "PUSH_WARNING_SEVER_CONN_FAIL", "server connect failed, retry started", Pusher, TerminalCandidate, PusherDocs),
        new(3003, "PUSH_WARNING_SHAKE_FAIL", "server handshake failed, retry started", Pusher, TerminalCandidate, PusherDocs),
        new(3004, "PUSH_WARNING_SERVER_DISCONNECT", "server closed the connection (bad URL or expired signature)", Pusher, TerminalCandidate, PusherDocs),
        new(3005, "PUSH_WARNING_READ_WRITE_FAIL", "RTMP read/write failed, connection closes", Pusher, TerminalCandidate, PusherDocs),
        new(5000, "PUSH_WARNING_HANDUP_STOP", "mini-program suspended by the user, push stopped", Pusher, TerminalCandidate, PusherDocs),

        new(2001, "PLAY_EVT_CONNECT_SUCC", "connected to the server", Player, Progress, PlayerDocs),
        new(2002, "PLAY_EVT_RTMP_STREAM_BEGIN", "RTMP connected, pulling", Player, Progress, PlayerDocs),
        new(2003, "PLAY_EVT_RCV_FIRST_I_FRAME", "first IDR received", Player, Progress, PlayerDocs),
        new(2004, "PLAY_EVT_PLAY_BEGIN", "playback begins", Player, Progress, PlayerDocs),
        new(2005, "PLAY_EVT_PLAY_PROGRESS", "playback progress", Player, Progress, PlayerDocs),
        new(2006, "PLAY_EVT_PLAY_END", "playback ended", Player, TerminalCandidate, PlayerDocs),
        new(2007, "PLAY_EVT_PLAY_LOADING", "loading", Player, Progress, PlayerDocs),
        new(2008, "PLAY_EVT_START_VIDEO_DECODER", "decoder started", Player, Progress, PlayerDocs),
        new(2009, "PLAY_EVT_CHANGE_RESOLUTION", "resolution changed", Player, Progress, PlayerDocs),
        new(-2301, "PLAY_ERR_NET_DISCONNECT", "network lost, retries exhausted", Player, TerminalCandidate, PlayerDocs),
        new(-2302, "PLAY_ERR_GET_RTMP_ACC_URL_FAIL", "could not get the accelerated URL", Player, TerminalCandidate, PlayerDocs),
        new(2101, "PLAY_WARNING_VIDEO_DECODE_FAIL", "video frame decode failed", Player, Warning, PlayerDocs),
        new(2102, "PLAY_WARNING_AUDIO_DECODE_FAIL", "audio frame decode failed", Player, Warning, PlayerDocs),
        new(2103, "PLAY_WARNING_RECONNECT", "network lost, auto-reconnect started", Player, Warning, PlayerDocs),
        new(2104, "PLAY_WARNING_RECV_DATA_LAG", "unstable incoming data", Player, Warning, PlayerDocs),
        new(2105, "PLAY_WARNING_VIDEO_PLAY_LAG", "playback stutter", Player, Warning, PlayerDocs),
        new(2106, "PLAY_WARNING_HW_ACCELERATION_FAIL", "hardware decode failed, software decoder used", Player, Warning, PlayerDocs),
        new(2107, "PLAY_WARNING_VIDEO_DISCONTINUITY", "discontinuous frames (dropped)", Player, Warning, PlayerDocs),
        new(2108, "PLAY_WARNING_FIRST_IDR_HW_DECODE_FAIL", "hardware decode of the first I-frame failed, software decoder used", Player, Warning, PlayerDocs),
        new(3001, "PLAY_WARNING_DNS_FAIL", "DNS failed", Player, TerminalCandidate, PlayerDocs),
        new(3002, "PLAY_WARNING_SEVER_CONN_FAIL", "server connect failed", Player, TerminalCandidate, PlayerDocs),
        new(3003, "PLAY_WARNING_SHAKE_FAIL", "server handshake failed", Player, TerminalCandidate, PlayerDocs),
        new(3005, "PLAY_WARNING_READ_WRITE_FAIL", "RTMP read/write failed, will retry", Player, TerminalCandidate, PlayerDocs),

        new(10001, "CAMERA_PERMISSION_DENIED", "user denied camera permission", Error, TerminalCandidate, ErrorDocs),
        new(10002, "MICROPHONE_PERMISSION_DENIED", "user denied microphone permission", Error, TerminalCandidate, ErrorDocs),
    ];

    private static readonly FrozenDictionary<(StatusComponent, int), StatusCodeInfo> ByKey =
        All.ToFrozenDictionary(i => (i.Component, i.Code));

    /// <summary>Looks up a code as reported by <paramref name="component"/>. False for codes not in the catalogue.</summary>
    public static bool TryGet(StatusComponent component, int code, out StatusCodeInfo info) =>
        ByKey.TryGetValue((component, code), out info!);

    /// <summary>
    /// The "retry started" codes (3001–3005): the SDK is retrying by itself, so a rule set may give them a
    /// recovery window in which push-begin (1002) / play-begin (2004) cancels the hang-up (DESIGN §3.3).
    /// </summary>
    public static bool IsRetryStarted(int code) => code is >= 3001 and <= 3005;

    /// <summary>Push begin (1002, PUSH_EVT_PUSH_BEGIN): the party's uplink is live.</summary>
    public const int PushBegin = 1002;

    /// <summary>Play begin (2004, PLAY_EVT_PLAY_BEGIN): the party sees the peer.</summary>
    public const int PlayBegin = 2004;

    /// <summary>Parses the wire name of a component (<c>pusher</c>, <c>player</c>, <c>error</c>; case-insensitive).</summary>
    public static bool TryParseComponent(string? value, out StatusComponent component)
    {
        switch (value?.ToLowerInvariant())
        {
            case "pusher": component = Pusher; return true;
            case "player": component = Player; return true;
            case "error": component = Error; return true;
            default: component = default; return false;
        }
    }

    /// <summary>Wire name of a component.</summary>
    public static string ToWire(StatusComponent component) => component switch
    {
        Pusher => "pusher",
        Player => "player",
        _ => "error",
    };
}

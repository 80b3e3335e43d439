using CallMedia.Control;

namespace CallMedia.Hosting.ControlLink;

/// <summary>What a <see cref="ControlMessage"/> is.</summary>
public enum ControlKind
{
    /// <summary>Relay → coordinator, once: the relay listens (<see cref="ControlMessage.RtmpEndPoint"/>, <see cref="ControlMessage.FlvEndPoint"/>).</summary>
    Ready,
    /// <summary>Relay → coordinator request: may this publish/play go ahead (<see cref="ControlMessage.Access"/>)? Answered with <see cref="ControlMessage.Allowed"/>.</summary>
    Access,
    /// <summary>Relay → coordinator, fire-and-forget, in order: a media event (<see cref="ControlMessage.Event"/>).</summary>
    Event,
    /// <summary>Coordinator → relay request: <see cref="IRelayControl.DisconnectStreamAsync"/>; answered with <see cref="ControlMessage.Count"/>.</summary>
    DisconnectStream,
    /// <summary>Coordinator → relay request: <see cref="IRelayRecorder.StartRecordingAsync"/>; answered with <see cref="ControlMessage.Allowed"/> or <see cref="ControlMessage.Error"/>.</summary>
    StartRecording,
    /// <summary>Coordinator → relay request: <see cref="IRelayRecorder.StopRecordingAsync"/>; answered with <see cref="ControlMessage.Recording"/>.</summary>
    StopRecording,
    /// <summary>Coordinator → relay request: <see cref="IRelayRecorder.CaptureLatestGopAsync"/>; answered with <see cref="ControlMessage.Bytes"/>.</summary>
    CaptureLatestGop,
    /// <summary>Coordinator → relay request: <see cref="IRelayStats.GetStreamAsync"/>; answered with <see cref="ControlMessage.Stats"/>.</summary>
    Stats,
    /// <summary>The answer to the request with the same <see cref="ControlMessage.Id"/>.</summary>
    Answer,
    /// <summary>
    /// Relay → coordinator, fire-and-forget, every <c>Media:MetricsIntervalMs</c>: the relay's <c>CallService*</c>
    /// meters (<see cref="ControlMessage.Metrics"/>), which the coordinator exports at its <c>/metrics</c>.
    /// </summary>
    Metrics,
}

/// <summary>
/// One message of the control channel between the coordinator and a relay process (one JSON object per frame, see
/// <see cref="ControlFraming"/>). Only the fields of its <see cref="Kind"/> are set.
/// </summary>
public sealed class ControlMessage
{
    /// <summary>What this message is.</summary>
    public ControlKind Kind { get; set; }

    /// <summary>Request id (unique per sender and direction); an <see cref="ControlKind.Answer"/> carries its request's id. 0 on one-way messages.</summary>
    public long Id { get; set; }

    /// <summary>The stream a command is about, e.g. <c>{callId}-a</c>.</summary>
    public string? Stream { get; set; }

    /// <summary>Disconnect reason, or the recording's file path.</summary>
    public string? Text { get; set; }

    /// <summary>Access request (<see cref="ControlKind.Access"/>).</summary>
    public AccessRequestData? Access { get; set; }

    /// <summary>Media event (<see cref="ControlKind.Event"/>).</summary>
    public MediaEventData? Event { get; set; }

    /// <summary>Access decision or StartRecording result.</summary>
    public bool? Allowed { get; set; }

    /// <summary>Refusal reason of an access answer (log-safe), or the failure of a request (e.g. the IOException of StartRecording).</summary>
    public string? Error { get; set; }

    /// <summary>DisconnectStream's count of closed connections.</summary>
    public int? Count { get; set; }

    /// <summary>StopRecording's summary (null when no recording ran).</summary>
    public RecordingSummary? Recording { get; set; }

    /// <summary>CaptureLatestGop's FLV bytes (null when the stream has no key frame).</summary>
    public byte[]? Bytes { get; set; }

    /// <summary>Stats's answer (null when the relay has no such stream).</summary>
    public MediaStreamStats? Stats { get; set; }

    /// <summary>Ready: the bound RTMP endpoint, <c>address:port</c>.</summary>
    public string? RtmpEndPoint { get; set; }

    /// <summary>Ready: the bound HTTP-FLV endpoint, <c>address:port</c>.</summary>
    public string? FlvEndPoint { get; set; }

    /// <summary>Metrics: the relay's instruments and their values (<see cref="MeterSnapshotReader"/>).</summary>
    public IReadOnlyList<InstrumentSnapshot>? Metrics { get; set; }
}

/// <summary>A <see cref="Access.StreamAccessRequest"/> on the wire (the remote address as text).</summary>
/// <param name="Action">Publish or play.</param>
/// <param name="App">RTMP application or HTTP path segment.</param>
/// <param name="StreamName">Stream name without query.</param>
/// <param name="Query">Raw query string, carrying the signature.</param>
/// <param name="Transport">RTMP or HTTP-FLV.</param>
/// <param name="Remote">Client address, <c>address:port</c>, or null.</param>
public sealed record AccessRequestData(
    Access.MediaAction Action, string App, string StreamName, string Query, Access.MediaTransport Transport, string? Remote);

/// <summary>
/// A <see cref="Events.MediaEvent"/> on the wire: <see cref="Type"/> names the record; the other fields are those of
/// that record (see <see cref="MediaEventMapping"/>).
/// </summary>
/// <param name="Type">Record name: <c>PublishStarted</c>, <c>PublishStopped</c>, <c>PlayStarted</c>, <c>PlayStopped</c>, <c>PublishStalled</c>, <c>PublishResumed</c>, <c>StreamStatsReported</c>.</param>
/// <param name="StreamName">Stream name.</param>
/// <param name="At">When the relay observed it.</param>
/// <param name="Id">Session id (publisher events) or viewer id (play events).</param>
/// <param name="Reason">Stop reason.</param>
/// <param name="Remote">Publisher address, <c>address:port</c>.</param>
/// <param name="Transport">Viewer transport.</param>
/// <param name="SilentMs">Stall length, milliseconds.</param>
/// <param name="Stats">Stream statistics.</param>
public sealed record MediaEventData(
    string Type, string StreamName, DateTimeOffset At, long Id = 0, string? Reason = null, string? Remote = null,
    Access.MediaTransport Transport = Access.MediaTransport.Rtmp, int SilentMs = 0, MediaStreamStats? Stats = null);

using System.Text.Json.Serialization;
using CallContracts.Calls;

namespace CallContracts.Realtime;

/// <summary>
/// A client → server frame on <c>/v1/ws</c> (JSON text, at most 16 KiB): <c>{"type":"ping"}</c>,
/// <c>{"type":"resume","afterSeq":N}</c>, or <c>{"type":"status","callId":"…","component":"player","code":2006}</c>
/// (or <c>"events":[…]</c>, as the body of <c>POST /v1/calls/{id}/events</c>).
/// </summary>
/// <param name="Type">One of <see cref="RealtimeClientFrameTypes"/>.</param>
/// <param name="AfterSeq"><c>resume</c>: the last <c>seq</c> the client processed.</param>
/// <param name="CallId"><c>status</c>: the call.</param>
/// <param name="Component"><c>status</c>: <c>pusher</c>, <c>player</c> or <c>error</c>.</param>
/// <param name="Code"><c>status</c>: the reported code.</param>
/// <param name="Message"><c>status</c>: optional free text.</param>
/// <param name="Events"><c>status</c>: several reports at once.</param>
public sealed record RealtimeClientFrame(
    string? Type, long? AfterSeq, string? CallId, string? Component, int? Code, string? Message,
    IReadOnlyList<StatusReportRequest>? Events)
{
    /// <summary>The status report this frame carries (<c>status</c> frames).</summary>
    public StatusReportRequest ToStatusReport() => new() { Component = Component, Code = Code, Message = Message, Events = Events };
}

/// <summary>Client frame type names.</summary>
public static class RealtimeClientFrameTypes
{
    /// <summary>Answered by <see cref="PongFrame"/>.</summary>
    public const string Ping = "ping";
    /// <summary>Replays the user's kept events after <c>afterSeq</c>; no other answer.</summary>
    public const string Resume = "resume";
    /// <summary>A status report; answered by <see cref="StatusResultFrame"/> or <see cref="ErrorFrame"/>.</summary>
    public const string Status = "status";
}

/// <summary><c>{"type":"pong"}</c>: the answer to <c>ping</c>.</summary>
public sealed record PongFrame
{
    /// <summary>Always <c>pong</c>.</summary>
    public string Type => "pong";
}

/// <summary><c>{"type":"status.result","callId","action","state"}</c>: a status report was applied.</summary>
/// <param name="CallId">The call.</param>
/// <param name="Action"><c>hangup</c> when the call is (now) ended, else <c>none</c>.</param>
/// <param name="State">The call's state after the report.</param>
public sealed record StatusResultFrame(string? CallId, string Action, string State)
{
    /// <summary>Always <c>status.result</c>.</summary>
    [JsonPropertyOrder(-1)]
    public string Type => "status.result";
}

/// <summary><c>{"type":"error","callId"?,"problem":{…}}</c>: a frame could not be read or its report was refused.</summary>
/// <param name="CallId">The call of a refused <c>status</c> frame; absent otherwise.</param>
/// <param name="Problem">RFC 9457 problem details (<c>status</c>, <c>title</c>, <c>detail</c>, and <c>rule</c> or <c>errors</c> where they apply).</param>
public sealed record ErrorFrame(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? CallId, object Problem)
{
    /// <summary>Always <c>error</c>.</summary>
    [JsonPropertyOrder(-1)]
    public string Type => "error";
}

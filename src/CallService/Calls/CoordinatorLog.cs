using CallService.Realtime;

namespace CallService.Calls;

/// <summary>
/// Hot-path log lines as source-generated <see cref="LoggerMessageAttribute"/> methods: no params array, no boxing
/// and no formatting when the level is off (the coordinator logs at Information on every call; load runs at Warning).
/// </summary>
internal static partial class CoordinatorLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId} created {State} ({Scenario}) {Caller} -> {Callee}")]
    public static partial void Created(ILogger logger, string callId, string state, string scenario, string caller, string callee);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId} connected")]
    public static partial void Connected(ILogger logger, string callId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId} ended {Reason} by {EndedBy} code {Code} (was {Before})")]
    public static partial void Ended(ILogger logger, string callId, string? reason, string? endedBy, int? code, string before);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: party {Party} reported terminal {Component} code {Code}")]
    public static partial void TerminalReported(ILogger logger, string callId, string party, string component, int code);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Event {Type} #{Seq} for call {CallId} to {Sockets} socket(s)")]
    public static partial void EventPublished(ILogger<RealtimeHub> logger, string type, long seq, string callId, int sockets);

    [LoggerMessage(Level = LogLevel.Information, Message = "Realtime socket opened for user {UserId}")]
    public static partial void SocketOpened(ILogger logger, string userId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Realtime socket closed for user {UserId}")]
    public static partial void SocketClosed(ILogger logger, string userId);
}

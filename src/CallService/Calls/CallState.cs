using CallContracts.Streams;

namespace CallService.Calls;

internal enum CallState { Ringing, Accepted, Connected, Ended }

internal enum EndReason
{
    Hangup, Rejected, Cancelled, NoAnswer, Busy, ClientTerminalCode, MediaTimeout, MediaLost, MaxDuration, ServiceRestart,

    /// <summary>Its node stopped renewing its lease (crash, kill, network loss); another node ended it.</summary>
    NodeLost,
}

/// <summary>Who ended a call: a party or the service itself.</summary>
internal enum Ender { A, B, System }

internal static class CallWireNames
{
    public static string ToWire(this CallState state) => state switch
    {
        CallState.Ringing => "ringing",
        CallState.Accepted => "accepted",
        CallState.Connected => "connected",
        _ => "ended",
    };

    public static string ToWire(this EndReason reason) => reason switch
    {
        EndReason.Hangup => "hangup",
        EndReason.Rejected => "rejected",
        EndReason.Cancelled => "cancelled",
        EndReason.NoAnswer => "no_answer",
        EndReason.Busy => "busy",
        EndReason.ClientTerminalCode => "client_terminal_code",
        EndReason.MediaTimeout => "media_timeout",
        EndReason.MediaLost => "media_lost",
        EndReason.MaxDuration => "max_duration",
        EndReason.NodeLost => "node_lost",
        _ => "service_restart",
    };

    public static string ToWire(this Ender ender) => ender switch { Ender.A => "a", Ender.B => "b", _ => "system" };

    public static Ender ToEnder(this PartyRole role) => role == PartyRole.A ? Ender.A : Ender.B;

    public static CallState ParseState(string value) => value switch
    {
        "ringing" => CallState.Ringing,
        "accepted" => CallState.Accepted,
        "connected" => CallState.Connected,
        "ended" => CallState.Ended,
        _ => throw new FormatException($"Unknown call state '{value}'."),
    };

    public static EndReason ParseReason(string value) =>
        Enum.GetValues<EndReason>().First(r => r.ToWire() == value);

    public static Ender ParseEnder(string value) => value switch { "a" => Ender.A, "b" => Ender.B, _ => Ender.System };
}

/// <summary>Per-call timer durations (validated ranges in <see cref="CreateCall.CreateCallValidator"/>).</summary>
internal sealed record CallTimerSettings(
    TimeSpan RingTimeout, TimeSpan MediaJoinTimeout, TimeSpan PublisherLostGrace, TimeSpan MaxDuration)
{
    private static CallTimerSettings? _last;

    /// <summary>
    /// <paramref name="timers"/>, or an equal instance already handed out: calls created with the same timers (nearly
    /// all: the configured defaults) share one instance instead of holding one each while they are in memory.
    /// </summary>
    public static CallTimerSettings Shared(CallTimerSettings timers)
    {
        if (Volatile.Read(ref _last) is { } last && last == timers) return last;
        Volatile.Write(ref _last, timers);
        return timers;
    }
}

/// <summary>One state change, as recorded.</summary>
internal sealed record CallTransition(CallState State, DateTimeOffset At, string Detail);

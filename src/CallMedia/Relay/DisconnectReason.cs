namespace CallMedia.Relay;

/// <summary>
/// Why a connection or a viewer ended. Set once per session (the first cause wins: a kick that makes the socket
/// fail stays a kick); events and logs carry its wire name (<see cref="DisconnectReasons.ToWire"/>).
/// </summary>
internal enum DisconnectReason
{
    /// <summary>Not ended yet.</summary>
    None,
    /// <summary>The peer closed the connection (FIN) or stopped playing.</summary>
    Closed,
    /// <summary>The socket failed (reset, broken pipe).</summary>
    ConnectionError,
    /// <summary>The relay closed the connection on a protocol violation (the log line names the RTMP reject reason).</summary>
    ProtocolViolation,
    /// <summary>A bug: logged as an error.</summary>
    InternalError,
    /// <summary>Hang-up (<c>IRelayControl.DisconnectStream</c>).</summary>
    Kicked,
    /// <summary>A stale publisher replaced by a new one on the same stream.</summary>
    Replaced,
    /// <summary>The publisher sent <c>FCUnpublish</c>/<c>deleteStream</c>.</summary>
    Unpublish,
    /// <summary>A viewer held without a publisher for <c>UnpublishedHoldMs</c>.</summary>
    Unpublished,
    /// <summary>A viewer whose queue passed the hard bound (<c>ViewerHardLimitMs</c>).</summary>
    TooSlow,
    /// <summary>The stream ended (end-of-stream notice sent to an RTMP viewer).</summary>
    StreamEnded,
    /// <summary><c>connect</c> to an unknown application.</summary>
    ConnectRejected,
    /// <summary>The access policy refused a publish.</summary>
    PublishRefused,
    /// <summary>The access policy refused a play.</summary>
    PlayRefused,
}

/// <summary>Wire names of <see cref="DisconnectReason"/> (media events, logs).</summary>
internal static class DisconnectReasons
{
    /// <summary>The snake_case name used in <c>PublishStopped</c>/<c>PlayStopped</c> events and logs.</summary>
    public static string ToWire(this DisconnectReason reason) => reason switch
    {
        DisconnectReason.None or DisconnectReason.Closed => "closed",
        DisconnectReason.ConnectionError => "connection_error",
        DisconnectReason.ProtocolViolation => "protocol_violation",
        DisconnectReason.InternalError => "internal_error",
        DisconnectReason.Kicked => "kicked",
        DisconnectReason.Replaced => "replaced",
        DisconnectReason.Unpublish => "unpublish",
        DisconnectReason.Unpublished => "unpublished",
        DisconnectReason.TooSlow => "too_slow",
        DisconnectReason.StreamEnded => "stream_ended",
        DisconnectReason.ConnectRejected => "connect_rejected",
        DisconnectReason.PublishRefused => "publish_refused",
        DisconnectReason.PlayRefused => "play_refused",
        _ => "closed",
    };

    /// <summary>What a stream event reports for a connection that ended for <paramref name="reason"/>: socket-level causes are "closed".</summary>
    public static DisconnectReason ForEvents(this DisconnectReason reason) =>
        reason is DisconnectReason.None or DisconnectReason.ConnectionError ? DisconnectReason.Closed : reason;

    /// <summary>Sets <paramref name="slot"/> to <paramref name="reason"/> unless a reason is already set; returns the reason in effect.</summary>
    public static DisconnectReason SetOnce(ref int slot, DisconnectReason reason)
    {
        var previous = Interlocked.CompareExchange(ref slot, (int)reason, (int)DisconnectReason.None);
        return previous == (int)DisconnectReason.None ? reason : (DisconnectReason)previous;
    }
}

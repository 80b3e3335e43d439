namespace CallMedia.Rtmp.Session;

/// <summary>Where an RTMP connection is in its protocol.</summary>
internal enum RtmpSessionState
{
    /// <summary>Waiting for C0+C1.</summary>
    HandshakeC0C1,
    /// <summary>S0+S1+S2 sent, waiting for C2.</summary>
    HandshakeC2,
    /// <summary>Chunk stream running, waiting for <c>connect</c>.</summary>
    AwaitingConnect,
    /// <summary>Connected: createStream/publish/play allowed.</summary>
    Connected,
    Closed,
}

namespace CallMedia.Rtmp.Protocol;

/// <summary>Why the relay closed an RTMP connection for a protocol violation or limit.</summary>
internal enum RtmpRejectReason
{
    BadHandshakeVersion,
    HandshakeTimeout,
    ChunkSizeTooLarge,
    ChunkSizeInvalid,
    MessageTooLong,
    MessageLengthChanged,
    MissingPreviousHeader,
    TooManyChunkStreams,
    MalformedAmf,
    MalformedCommand,
    UnknownMessageType,
    IdleTimeout,
    TooManyStreams,
    ProtocolStateViolation,
}

/// <summary>A protocol violation that closes only the offending connection.</summary>
internal sealed class RtmpProtocolException(RtmpRejectReason reason, string detail)
    : Exception($"{reason}: {detail}")
{
    public RtmpRejectReason Reason { get; } = reason;
}

/// <summary>The single throw helper for protocol rejections (keeps throw sites out of hot parsing methods).</summary>
internal static class RtmpThrow
{
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void Reject(RtmpRejectReason reason, string detail = "") =>
        throw new RtmpProtocolException(reason, detail);
}

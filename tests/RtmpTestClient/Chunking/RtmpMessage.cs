namespace RtmpTestClient.Chunking;

/// <summary>
/// One RTMP message (RTMP spec §6.1): the chunk stream it travels on, its type id, message stream id,
/// absolute timestamp in milliseconds and payload.
/// </summary>
public readonly record struct RtmpMessage(int ChunkStreamId, byte TypeId, uint StreamId, uint Timestamp, ReadOnlyMemory<byte> Payload);

/// <summary>RTMP message type ids used by this client (RTMP spec §5.4, §7.1).</summary>
public static class RtmpMessageType
{
    /// <summary>Set Chunk Size (protocol control).</summary>
    public const byte SetChunkSize = 1;
    /// <summary>Abort Message (protocol control).</summary>
    public const byte Abort = 2;
    /// <summary>Acknowledgement (protocol control).</summary>
    public const byte Acknowledgement = 3;
    /// <summary>User Control Message.</summary>
    public const byte UserControl = 4;
    /// <summary>Window Acknowledgement Size (protocol control).</summary>
    public const byte WindowAckSize = 5;
    /// <summary>Set Peer Bandwidth (protocol control).</summary>
    public const byte SetPeerBandwidth = 6;
    /// <summary>Audio data.</summary>
    public const byte Audio = 8;
    /// <summary>Video data.</summary>
    public const byte Video = 9;
    /// <summary>AMF0 data message (<c>@setDataFrame</c>, <c>onMetaData</c>).</summary>
    public const byte DataAmf0 = 18;
    /// <summary>AMF0 command message.</summary>
    public const byte CommandAmf0 = 20;
}

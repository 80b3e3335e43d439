using CallMedia.Media;

namespace CallMedia.Rtmp.Chunks;

/// <summary>
/// One reassembled RTMP message. <see cref="Payload"/> carries one reference owned by whoever receives
/// the message; they must release it (or hand it on).
/// </summary>
internal readonly record struct RtmpMessage(
    int ChunkStreamId, RtmpMessageType Type, uint Timestamp, uint StreamId, MediaBuffer Payload);

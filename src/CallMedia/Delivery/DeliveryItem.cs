using CallMedia.Media;

namespace CallMedia.Delivery;

/// <summary>
/// One message waiting in a viewer's queue. Media items carry their FLV tag / RTMP message type (8 audio, 9 video,
/// 18 data: the two specs share the numbers) and are framed by the connection's framing; control items (RTMP protocol
/// control, command replies, status) carry their own chunk stream and message stream ids, are never dropped and do
/// not count as media time. The item owns one payload reference.
/// </summary>
internal readonly record struct DeliveryItem(
    bool IsControl, byte MessageType, int ChunkStreamId, uint StreamId, uint Timestamp, FrameClass Class, MediaBuffer Payload, long EnqueuedAt)
{
    /// <summary>A control item with a copy of <paramref name="payload"/>.</summary>
    public static DeliveryItem Control(byte messageType, int chunkStreamId, ReadOnlySpan<byte> payload, uint streamId = 0) =>
        new(true, messageType, chunkStreamId, streamId, 0, FrameClass.Data, MediaBuffer.CopyOf(payload), 0);

    /// <summary>A media item holding a new reference to <paramref name="packet"/>'s payload.</summary>
    public static DeliveryItem Media(in MediaPacket packet, long enqueuedAt) =>
        new(false, packet.TagType, 0, 0, packet.Timestamp, packet.Class, packet.Payload.Retain(), enqueuedAt);

    /// <summary>Audio frames and the audio sequence header.</summary>
    public bool IsAudio => !IsControl && Class is FrameClass.Audio or FrameClass.AudioSequenceHeader;

    /// <summary>Video frames that the drop policy may drop (not the sequence header).</summary>
    public bool IsDroppableVideo => !IsControl && Class is FrameClass.KeyFrame or FrameClass.InterFrame or FrameClass.DisposableFrame or FrameClass.VideoOther;

    /// <summary>Commands, metadata and data keep their place: audio never overtakes them.</summary>
    public bool IsOrdered => IsControl || Class is FrameClass.Metadata or FrameClass.Data;
}

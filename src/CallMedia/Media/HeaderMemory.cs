namespace CallMedia.Media;

/// <summary>
/// The last <c>onMetaData</c>, AAC and AVC sequence header that went out (to viewers, or into a recording), to tell
/// a repeat from a change: a reconnecting publisher sends the same ones again, and a repeat reaches libavformat as
/// "new extradata", which its Matroska muxer writes over the track header. Not thread-safe (the owner's lock guards it).
/// </summary>
internal sealed class HeaderMemory
{
    private byte[]? _metadata;
    private byte[]? _audioConfig;
    private byte[]? _videoConfig;

    /// <summary>
    /// True when <paramref name="packet"/> (metadata or a sequence header) equals the last one of its kind; otherwise
    /// remembers it (a copy of its bytes) and returns false.
    /// </summary>
    public bool Repeats(in MediaPacket packet)
    {
        ref var last = ref _videoConfig;
        if (packet.Class == FrameClass.Metadata)
            last = ref _metadata;
        else if (packet.Class == FrameClass.AudioSequenceHeader)
            last = ref _audioConfig;
        var bytes = packet.Payload.Span;
        if (last is not null && bytes.SequenceEqual(last))
            return true;
        last = bytes.ToArray();
        return false;
    }
}

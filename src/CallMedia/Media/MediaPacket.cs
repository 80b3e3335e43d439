namespace CallMedia.Media;

/// <summary>What a relayed message is, for fan-out, start points and drop priorities.</summary>
internal enum FrameClass : byte
{
    /// <summary><c>onMetaData</c>.</summary>
    Metadata,
    /// <summary>Audio decoder configuration (AAC AudioSpecificConfig, enhanced-audio SequenceStart). Never dropped.</summary>
    AudioSequenceHeader,
    /// <summary>Video decoder configuration (AVC/HEVC record, enhanced-video SequenceStart). Never dropped.</summary>
    VideoSequenceHeader,
    Audio,
    /// <summary>Video key frame (FLV frame type 1): a start point.</summary>
    KeyFrame,
    /// <summary>Video inter frame (FLV frame type 2).</summary>
    InterFrame,
    /// <summary>Disposable inter frame (FLV frame type 3): dropped first.</summary>
    DisposableFrame,
    /// <summary>Other video messages (info/command frames, end of sequence): passed through, droppable like inter frames.</summary>
    VideoOther,
    /// <summary>Other data messages: passed through.</summary>
    Data,
}

/// <summary>A classified media message sharing a pooled payload. The holder of a packet owns one payload reference.</summary>
internal readonly record struct MediaPacket(FrameClass Class, uint Timestamp, MediaBuffer Payload)
{
    public bool IsVideo => Class is FrameClass.VideoSequenceHeader or FrameClass.KeyFrame or FrameClass.InterFrame
        or FrameClass.DisposableFrame or FrameClass.VideoOther;

    public bool IsAudio => Class is FrameClass.Audio or FrameClass.AudioSequenceHeader;

    /// <summary>Headers and metadata: a viewer must get these or be disconnected.</summary>
    public bool IsEssential => Class is FrameClass.Metadata or FrameClass.AudioSequenceHeader or FrameClass.VideoSequenceHeader;

    /// <summary>FLV tag / RTMP message type: 8 audio, 9 video, 18 data.</summary>
    public byte TagType => IsAudio ? (byte)8 : IsVideo ? (byte)9 : (byte)18;
}

namespace CallMedia.Control;

/// <summary>
/// Evidence taps on a stream, for the coordinator: a recording written as the stream arrives and a copy of the
/// latest group of pictures for a snapshot. Neither changes what viewers get. Asynchronous because the relay may run in
/// another process (<c>Media:Mode=process</c>); in-process each completes before it returns (a stop after its
/// <c>fsync</c>).
/// </summary>
public interface IRelayRecorder
{
    /// <summary>
    /// Starts writing <paramref name="streamName"/> to <paramref name="filePath"/> as FLV (Adobe FLV file format:
    /// header, then tags exactly as published, no transcoding), flushed to disk at least once a second. Works before
    /// the publisher arrives (writing starts with its first tag) and across publisher reconnects (one file, one
    /// timeline). Returns false when the stream is already being recorded. The file is new (an existing one is never
    /// overwritten) and owner-only (0600); missing parent directories are created (0700). On a live stream the file
    /// begins at the latest key frame the relay holds (so it decodes from its first frame), else at the publisher's
    /// first tags.
    /// </summary>
    /// <exception cref="IOException">The file exists or cannot be created.</exception>
    ValueTask<bool> StartRecordingAsync(string streamName, string filePath, CancellationToken cancellationToken = default);

    /// <summary>Stops the recording of <paramref name="streamName"/> and closes its file; null when none runs.</summary>
    ValueTask<RecordingSummary?> StopRecordingAsync(string streamName, CancellationToken cancellationToken = default);

    /// <summary>
    /// A self-contained FLV (header, <c>onMetaData</c>, sequence headers, the latest key frame and every frame
    /// published after it) from which a decoder can rebuild the current picture; null when the stream is not live
    /// or has no key frame yet.
    /// </summary>
    ValueTask<byte[]?> CaptureLatestGopAsync(string streamName, CancellationToken cancellationToken = default);
}

/// <summary>What a finished recording holds.</summary>
/// <param name="FilePath">The FLV file written.</param>
/// <param name="Bytes">Its size in bytes.</param>
/// <param name="FirstTimestampMs">FLV timestamp of the first media tag written (ms; the relay starts the file's timeline at 0); null when no media arrived.</param>
/// <param name="LastTimestampMs">FLV timestamp of the last media tag written (ms); null when no media arrived.</param>
/// <param name="StartedAt">When the first media tag written reached the relay (the file's timestamp <paramref name="FirstTimestampMs"/>; for a recording that began with the held GOP, when its key frame arrived); null when no media arrived.</param>
public sealed record RecordingSummary(string FilePath, long Bytes, long? FirstTimestampMs, long? LastTimestampMs, DateTimeOffset? StartedAt)
{
    /// <summary>
    /// Audio/video tags not written because the disk fell behind (the queue was full), including the video frames after
    /// such a gap up to the next key frame (undecodable without the dropped ones); 0 normally.
    /// </summary>
    public long DroppedTags { get; init; }

    /// <summary>Separate spells of dropping (each one a hole in the file; video resumes at a key frame after it).</summary>
    public int Gaps { get; init; }

    /// <summary>Why writing failed (the file then ends at the last successful write); null when it did not.</summary>
    public string? Error { get; init; }
}

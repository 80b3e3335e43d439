namespace CallMedia.Recording;

/// <summary>
/// Recording settings (<c>Media:Recording:*</c>): how much a recording may hold in memory while the disk is behind, and
/// how often what it wrote goes to the operating system.
/// </summary>
public sealed class RecordingOptions
{
    /// <summary>
    /// Media a recording may hold in memory, not yet written, bytes. Past it (the disk cannot keep up) tags are dropped
    /// and counted as a gap until the queue drains; video resumes at the next key frame. Default 4 MiB (≈ 27 s of a
    /// 1.2 Mbit/s stream).
    /// </summary>
    public int QueueBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// How often a recording's queued tags are written and handed to the operating system (one <c>write</c>), wall-clock
    /// milliseconds, 50–1000. A process crash loses at most this much; the file is <c>fsync</c>ed when the recording
    /// stops. Default 250.
    /// </summary>
    public int FlushIntervalMs { get; set; } = 250;

    /// <summary>
    /// Test only (load tests on a build without the coordinator's recording API): a directory the relay polls every
    /// 200 ms for <c>{stream}.start</c> / <c>{stream}.stop</c> files and then starts or stops recording that stream into
    /// <c>{stream}.flv</c> beside them. Empty (default): off. Never set it in production.
    /// </summary>
    public string TestControlDirectory { get; set; } = "";
}

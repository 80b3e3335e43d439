namespace CallService.Evidence;

/// <summary>
/// <c>Recording:*</c>: how calls are recorded, where the files go, how long links and media live.
/// </summary>
internal sealed class RecordingOptions
{
    public const string SectionName = "Recording";

    /// <summary><c>off</c>, <c>on</c> or <c>consent</c>: the mode of a call whose request and scenario name none.</summary>
    public string DefaultMode { get; set; } = "off";

    /// <summary>Mode per scenario (<c>Recording:Scenarios:loss_assessment=on</c>); wins over <see cref="DefaultMode"/>.</summary>
    public Dictionary<string, string> Scenarios { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Where legs, MP4s and snapshots are written (one folder per call); default <c>{data}/recordings</c>.</summary>
    public string? Directory { get; set; }

    /// <summary>Lifetime of a signed download link, seconds (default 3600).</summary>
    public int LinkTtlSeconds { get; set; } = 3600;

    /// <summary>How long files and snapshots are kept (default 30 days); the sweeper deletes what is older.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often the retention sweeper runs, seconds (default 60).</summary>
    public int SweepSeconds { get; set; } = 60;

    /// <summary>Origin of download links (e.g. <c>https://calls.example.com</c>); default: the origin the request came to.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>The ffmpeg executable (post-processing, snapshots); default <c>ffmpeg</c> from PATH.</summary>
    public string FfmpegPath { get; set; } = "ffmpeg";

    /// <summary>The ffprobe executable (durations, sizes); default <c>ffprobe</c> from PATH.</summary>
    public string FfprobePath { get; set; } = "ffprobe";

    /// <summary>The mode of a new call: the request's, else the scenario's, else the default.</summary>
    public RecordingMode ModeFor(string? requested, string scenario) =>
        RecordingModes.Parse(requested ?? Scenarios.GetValueOrDefault(scenario) ?? DefaultMode) ?? RecordingMode.Off;
}

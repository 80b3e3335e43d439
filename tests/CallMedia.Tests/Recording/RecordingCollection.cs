namespace CallMedia.Tests.Recording;

/// <summary>
/// The recording tests run one at a time (each has one or two real-time ffmpeg publishers and decodes files with ffmpeg):
/// on two shared cores, parallel encoders would make the flush and duration checks measure the machine.
/// </summary>
[CollectionDefinition(nameof(RecordingCollection), DisableParallelization = true)]
public sealed class RecordingCollection;

using CallMedia.Control;
using CallMedia.Hosting;
using CallMedia.Logging;
using CallMedia.Relay;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using System.Diagnostics.Metrics;

namespace CallMedia.Recording;

/// <summary>
/// <see cref="IRelayRecorder"/> on the relay's streams: at most one recording per stream name, each with its own
/// background writer (<see cref="StreamRecording"/>); captures from the stream's latest GOP. Recordings still running
/// when the host stops are stopped (written, <c>fsync</c>ed, closed).
/// </summary>
internal sealed partial class RelayRecorder : IRelayRecorder, IDisposable
{
    private readonly StreamHub _hub;
    private readonly RecordingOptions _options;
    private readonly ILogger<RelayRecorder> _logger;
    private readonly RecordingMetrics _metrics;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, StreamRecording> _recordings = new(StringComparer.Ordinal);

    public RelayRecorder(StreamHub hub, IOptions<MediaOptions> options, ILogger<RelayRecorder> logger, IMeterFactory meters)
    {
        _hub = hub;
        _options = options.Value.Recording;
        _logger = logger;
        _metrics = new RecordingMetrics(meters, () => { lock (_lock) return _recordings.Count; });
    }

    /// <inheritdoc />
    public ValueTask<bool> StartRecordingAsync(string streamName, string filePath, CancellationToken cancellationToken = default)
    {
        try
        {
            return ValueTask.FromResult(StartRecording(streamName, filePath));
        }
        catch (IOException e)
        {
            return ValueTask.FromException<bool>(e);
        }
    }

    /// <inheritdoc />
    public ValueTask<RecordingSummary?> StopRecordingAsync(string streamName, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(StopRecording(streamName));

    /// <inheritdoc />
    public ValueTask<byte[]?> CaptureLatestGopAsync(string streamName, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(CaptureLatestGop(streamName));

    /// <summary>What <see cref="StartRecordingAsync"/> does, at once.</summary>
    /// <exception cref="IOException">The file exists or cannot be created.</exception>
    public bool StartRecording(string streamName, string filePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamName);
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        lock (_lock)
        {
            if (_recordings.ContainsKey(streamName))
                return false;
            var file = RecordingFile.Create(filePath);
            var recording = new StreamRecording(streamName, file, _options, _hub.Time, _logger, _metrics, () => StreamFlags(streamName));
            if (!_hub.AttachRecording(streamName, recording))
            {
                file.Dispose();
                File.Delete(file.Path);
                return false;
            }
            _recordings[streamName] = recording;
            recording.Start();
            LogStarted(LogText.Escape(streamName)!, file.Path);
            return true;
        }
    }

    /// <summary>What <see cref="StopRecordingAsync"/> does, at once (after the file's <c>fsync</c>).</summary>
    public RecordingSummary? StopRecording(string streamName)
    {
        StreamRecording? recording;
        lock (_lock)
        {
            if (!_recordings.Remove(streamName, out recording))
                return null;
        }
        _hub.DetachRecording(recording);
        return recording.Stop();
    }

    /// <summary>What <see cref="CaptureLatestGopAsync"/> does, at once.</summary>
    public byte[]? CaptureLatestGop(string streamName)
    {
        using var gop = _hub.Find(streamName)?.CaptureLatestGop();
        return gop?.ToFlv();
    }

    private (bool HasAudio, bool HasVideo) StreamFlags(string streamName) =>
        _hub.Find(streamName) is { } stream ? (stream.HasAudio, stream.HasVideo) : (false, false);

    /// <summary>Stops every recording still running (host shutdown).</summary>
    public void Dispose()
    {
        string[] names;
        lock (_lock) names = [.. _recordings.Keys];
        foreach (var name in names)
            StopRecording(name);
        _metrics.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Recording of {Stream} started: {Path}")]
    private partial void LogStarted(string stream, string path);
}

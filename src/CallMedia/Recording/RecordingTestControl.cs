using System.Text.Json;
using CallMedia.Control;
using CallMedia.Hosting;
using CallMedia.Logging;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CallMedia.Recording;

/// <summary>
/// Test only (<see cref="RecordingOptions.TestControlDirectory"/>; registered only when it is set): lets a load test
/// start and stop recordings of a separately started service without the coordinator's recording API. Every 200 ms the
/// directory is scanned: <c>{stream}.start</c> starts recording <c>{stream}</c> into <c>{stream}.flv</c>,
/// <c>{stream}.stop</c> stops it and writes the summary to <c>{stream}.summary.json</c>; each marker is deleted when
/// acted on.
/// </summary>
internal sealed partial class RecordingTestControl(RelayRecorder recorder, IOptions<MediaOptions> options, ILogger<RecordingTestControl> logger)
    : BackgroundService
{
    private readonly string _directory = Path.GetFullPath(options.Value.Recording.TestControlDirectory);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Directory.CreateDirectory(_directory);
        LogEnabled(_directory);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                foreach (var marker in Directory.EnumerateFiles(_directory, "*.start").Concat(Directory.EnumerateFiles(_directory, "*.stop")).ToList())
                    Act(marker);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Act(string marker)
    {
        var stream = Path.GetFileNameWithoutExtension(marker);
        File.Delete(marker);
        try
        {
            if (marker.EndsWith(".start", StringComparison.Ordinal))
                recorder.StartRecording(stream, Path.Combine(_directory, stream + ".flv"));
            else if (recorder.StopRecording(stream) is { } summary)
                File.WriteAllText(Path.Combine(_directory, stream + ".summary.json"), JsonSerializer.Serialize(summary, RecordingJson.Default.RecordingSummary));
        }
        catch (IOException e)
        {
            LogFailed(LogText.Escape(stream)!, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "TEST ONLY: recordings are controlled through marker files in {Directory} (Media:Recording:TestControlDirectory)")]
    private partial void LogEnabled(string directory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TEST ONLY: recording control for {Stream} failed: {Reason}")]
    private partial void LogFailed(string stream, string reason);
}

using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace CallService.Evidence.Processing;

/// <summary>What ffprobe says about a media file (<c>-show_entries format=duration:stream=…</c>).</summary>
internal sealed record MediaProbe(double? DurationSeconds, int Width, int Height, bool HasVideo, bool HasAudio, string? VideoCodec, string? AudioCodec);

/// <summary>
/// ffmpeg and ffprobe as child processes (<c>Recording:FfmpegPath</c>, <c>Recording:FfprobePath</c>): arguments as a
/// list (no shell), bounded run time, stderr kept for the log.
/// </summary>
internal sealed class MediaTools(IOptions<RecordingOptions> options)
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Runs ffmpeg with <paramref name="arguments"/>, optionally feeding <paramref name="stdin"/>; exit code and stderr.</summary>
    public async Task<(int ExitCode, string Errors)> FfmpegAsync(IReadOnlyList<string> arguments, TimeSpan timeout, byte[]? stdin = null,
        CancellationToken ct = default)
    {
        var (code, _, errors) = await RunAsync(options.Value.FfmpegPath, ["-hide_banner", "-nostats", "-loglevel", "error", "-y", .. arguments],
            timeout, stdin, ct);
        return (code, errors);
    }

    /// <summary>Probes <paramref name="path"/>; null when ffprobe cannot read it.</summary>
    public async Task<MediaProbe?> ProbeAsync(string path, CancellationToken ct = default)
    {
        var (code, output, _) = await RunAsync(options.Value.FfprobePath,
            ["-v", "error", "-show_entries", "format=duration:stream=codec_type,codec_name,width,height", "-of", "json", path],
            ProbeTimeout, null, ct);
        if (code != 0) return null;
        using var json = JsonDocument.Parse(output);
        double? duration = json.RootElement.TryGetProperty("format", out var format) && format.TryGetProperty("duration", out var d) &&
                           double.TryParse(d.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            ? Math.Round(seconds, 3)
            : null;
        int width = 0, height = 0;
        string? video = null, audio = null;
        if (json.RootElement.TryGetProperty("streams", out var streams))
        {
            foreach (var s in streams.EnumerateArray())
            {
                var type = s.TryGetProperty("codec_type", out var t) ? t.GetString() : null;
                var name = s.TryGetProperty("codec_name", out var n) ? n.GetString() : null;
                if (type == "video" && video is null)
                {
                    video = name ?? "";
                    width = s.TryGetProperty("width", out var w) ? w.GetInt32() : 0;
                    height = s.TryGetProperty("height", out var h) ? h.GetInt32() : 0;
                }
                else if (type == "audio" && audio is null) audio = name ?? "";
            }
        }
        return new MediaProbe(duration, width, height, video is not null, audio is not null, video, audio);
    }

    /// <summary>SHA-256 of the file's bytes, lowercase hex, and its size.</summary>
    public static async Task<(string Sha256, long Bytes)> HashAsync(string path, CancellationToken ct = default)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var hash = await SHA256.HashDataAsync(file, ct);
        return (Convert.ToHexStringLower(hash), file.Length);
    }

    private static async Task<(int ExitCode, string Output, string Errors)> RunAsync(string fileName, IReadOnlyList<string> arguments,
        TimeSpan timeout, byte[]? stdin, CancellationToken ct)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{fileName} could not be started.");
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var errors = process.StandardError.ReadToEndAsync(ct);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            if (stdin is not null)
            {
                try
                {
                    await process.StandardInput.BaseStream.WriteAsync(stdin, limit.Token);
                }
                catch (IOException)
                {
                    // ffmpeg stopped reading (it had what it needed, or failed): its exit code says which.
                }
            }
            process.StandardInput.Close();
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            return (-1, "", $"{Path.GetFileName(fileName)} did not finish within {timeout.TotalSeconds:0} s");
        }
        return (process.ExitCode, await output, await errors);
    }
}

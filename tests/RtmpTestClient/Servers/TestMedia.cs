using System.Diagnostics;

namespace RtmpTestClient.Servers;

/// <summary>
/// The test media file: H.264 640×360 25 fps ~600 kbps (libx264 zerolatency, keyframe every 2 s) + AAC 48 kHz
/// mono, 20 s, generated once with ffmpeg and cached under the temp directory (never in git).
/// </summary>
public static class TestMedia
{
    /// <summary>Seconds of media in the file.</summary>
    public const int DurationSeconds = 20;

    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>Where the cached file lives; override with <c>CALLTEST_MEDIA_DIR</c>.</summary>
    public static string CacheDirectory =>
        Environment.GetEnvironmentVariable("CALLTEST_MEDIA_DIR") is { Length: > 0 } dir
            ? dir
            : Path.Combine(Path.GetTempPath(), "calltest-media");

    /// <summary>Path of the file; it may not exist yet (see <see cref="EnsureAsync"/>).</summary>
    public static string FilePath => Path.Combine(CacheDirectory, $"call-640x360-25fps-600k-{DurationSeconds}s-v1.flv");

    /// <summary>True when ffmpeg is on the PATH.</summary>
    public static bool FfmpegAvailable => ProcessTools.FindOnPath("ffmpeg") is not null;

    /// <summary>Returns the file's path, generating it with ffmpeg first when missing. Safe across processes.</summary>
    public static async Task<string> EnsureAsync(CancellationToken cancellationToken = default)
    {
        if (File.Exists(FilePath))
            return FilePath;
        await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (File.Exists(FilePath))
                return FilePath;
            Directory.CreateDirectory(CacheDirectory);
            var temp = $"{FilePath}.{Environment.ProcessId}.tmp";
            var ffmpeg = ProcessTools.FindOnPath("ffmpeg") ?? throw new InvalidOperationException("ffmpeg is not installed (apt-get install ffmpeg).");
            string[] args =
            [
                "-hide_banner", "-loglevel", "error", "-y",
                "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25,noise=alls=12:allf=t",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                "-t", DurationSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-profile:v", "baseline",
                "-b:v", "540k", "-maxrate", "600k", "-bufsize", "600k",
                "-g", "50", "-keyint_min", "50", "-sc_threshold", "0", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-b:a", "64k", "-ar", "48000", "-ac", "1",
                "-f", "flv", temp,
            ];
            var psi = new ProcessStartInfo(ffmpeg, args) { RedirectStandardError = true, UseShellExecute = false };
            using var process = Process.Start(psi)!;
            var stderr = await process.StandardError.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"ffmpeg failed ({process.ExitCode}): {stderr}");
            File.Move(temp, FilePath, overwrite: true);
            return FilePath;
        }
        finally
        {
            Gate.Release();
        }
    }
}

using System.Diagnostics;
using TestSupport.Processes;

namespace CallMedia.Tests.Loopback;

/// <summary>
/// ffmpeg/ffprobe (Debian package at /usr/bin) as real RTMP peers, as the relay tests drive them: a
/// <see cref="Process"/> whose stdout/stderr the test reads itself. The publish and the run-to-exit are the shared
/// ones (<see cref="TestSupport.Media.Ffmpeg"/>, <see cref="ProcessRun"/>).
/// </summary>
internal static class Ffmpeg
{
    /// <summary>Starts ffmpeg publishing the shared test pattern + tone to <paramref name="url"/> for <paramref name="seconds"/>.</summary>
    public static Process StartPublish(string url, int seconds = 5)
    {
        var psi = Info("/usr/bin/ffmpeg");
        foreach (var argument in TestSupport.Media.Ffmpeg.PublishArguments(url, seconds)) psi.ArgumentList.Add(argument);
        return Process.Start(psi)!;
    }

    public static Process Start(string file, string arguments)
    {
        var psi = Info(file);
        psi.Arguments = arguments;
        return Process.Start(psi)!;
    }

    private static ProcessStartInfo Info(string file) => new(file)
    {
        RedirectStandardError = true,
        RedirectStandardOutput = true,
        RedirectStandardInput = true,
        UseShellExecute = false,
    };

    /// <summary>Runs a process to completion (or kills it after <paramref name="timeout"/>: exit code -1), returning exit code and output.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string file, string arguments, TimeSpan timeout)
    {
        var run = await ProcessRun.UntilExitAsync(new ProcessStartInfo(file, arguments), timeout);
        return (run.ExitCode, run.StandardOutput, run.StandardError);
    }

    /// <summary>ffprobe counting frames of the first seconds: returns the stream lines (codec_type,codec_name,nb_read_frames).</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> ProbeAsync(string url, double readSeconds = 2) =>
        RunAsync("/usr/bin/ffprobe",
            $"-hide_banner -v error -rw_timeout 8000000 -read_intervals %+{readSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)} -count_frames " +
            $"-show_entries stream=codec_type,codec_name,nb_read_frames,width,height -of csv=p=0 {Quote(url)}",
            TimeSpan.FromSeconds(20));

    public static string Quote(string s) => "\"" + s + "\"";
}

using System.Diagnostics;
using System.Text;

namespace CallMedia.Tests.Loopback;

/// <summary>Runs ffmpeg/ffprobe (Debian package at /usr/bin) as real RTMP peers.</summary>
internal static class Ffmpeg
{
    public const string PublishArgs =
        "-hide_banner -loglevel error -re -f lavfi -i testsrc=size=320x240:rate=25 -f lavfi -i sine=frequency=440 " +
        "-c:v libx264 -preset ultrafast -tune zerolatency -g 25 -c:a aac -t {0} -f flv {1}";

    public static Process StartPublish(string url, int seconds = 5) =>
        Start("/usr/bin/ffmpeg", string.Format(PublishArgs, seconds, Quote(url)));

    public static Process Start(string file, string arguments)
    {
        var psi = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        var process = Process.Start(psi)!;
        return process;
    }

    /// <summary>Runs a process to completion (or kills it after <paramref name="timeout"/>), returning exit code and output.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string file, string arguments, TimeSpan timeout)
    {
        using var process = Start(file, arguments);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>ffprobe counting frames of the first seconds: returns the stream lines (codec_type,codec_name,nb_read_frames).</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> ProbeAsync(string url, double readSeconds = 2) =>
        RunAsync("/usr/bin/ffprobe",
            $"-hide_banner -v error -rw_timeout 8000000 -read_intervals %+{readSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)} -count_frames " +
            $"-show_entries stream=codec_type,codec_name,nb_read_frames,width,height -of csv=p=0 {Quote(url)}",
            TimeSpan.FromSeconds(20));

    public static string Quote(string s) => "\"" + s + "\"";
}

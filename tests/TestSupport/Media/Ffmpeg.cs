using System.Diagnostics;
using System.Text.Json;

using TestSupport.Processes;

namespace TestSupport.Media;

/// <summary>Real ffmpeg/ffprobe processes as RTMP and HTTP-FLV peers (Debian's ffmpeg package, installed by test.sh).</summary>
public static class Ffmpeg
{
    /// <summary>True when <c>ffmpeg -version</c> runs (for facts that skip visibly without it).</summary>
    public static bool Available { get; } = Probe();

    /// <summary>
    /// ffmpeg's arguments for publishing a test pattern (320x240, 25 fps) + 440 Hz tone (H.264 zerolatency with a 1 s
    /// GOP, yuv420p; AAC 64 kb/s) to <paramref name="url"/> as FLV at real-time pace for <paramref name="seconds"/>.
    /// </summary>
    public static string[] PublishArguments(string url, int seconds) =>
    [
        "-hide_banner", "-loglevel", "warning", "-nostdin", "-re",
        "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "64k", "-t", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "-f", "flv", url,
    ];

    /// <summary>Starts ffmpeg publishing (<see cref="PublishArguments"/>) to <paramref name="url"/> for <paramref name="seconds"/>.</summary>
    public static RunningProcess Publish(string url, int seconds = 30) => RunningProcess.Start("ffmpeg", PublishArguments(url, seconds));

    /// <summary>Starts ffmpeg reading <paramref name="url"/> and discarding it, for at most <paramref name="seconds"/>.</summary>
    public static RunningProcess Play(string url, int seconds = 30) => RunningProcess.Start("ffmpeg",
        "-hide_banner", "-loglevel", "warning", "-nostdin", "-rw_timeout", "10000000",
        "-i", url, "-t", seconds.ToString(), "-f", "null", "-");

    /// <summary>
    /// Reads <paramref name="url"/> for about two seconds with ffprobe and returns codec name → packets read per stream.
    /// </summary>
    public static async Task<ProbeResult> ProbeAsync(string url)
    {
        using var process = RunningProcess.Start("ffprobe",
            "-v", "error", "-rw_timeout", "10000000", "-read_intervals", "%+2", "-count_packets",
            "-show_entries", "stream=codec_type,codec_name,nb_read_packets", "-of", "json", url);
        var exited = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.True(exited, $"ffprobe {url} did not finish in 30 s");
        var streams = new List<ProbedStream>();
        if (process.ExitCode == 0)
        {
            using var json = JsonDocument.Parse(process.StandardOutput);
            foreach (var s in json.RootElement.GetProperty("streams").EnumerateArray())
                streams.Add(new ProbedStream(
                    s.GetProperty("codec_type").GetString() ?? "",
                    s.TryGetProperty("codec_name", out var name) ? name.GetString() ?? "" : "",
                    s.TryGetProperty("nb_read_packets", out var packets) ? int.Parse(packets.GetString() ?? "0") : 0));
        }
        return new ProbeResult(process.ExitCode, streams, process.StandardError);
    }

    private static bool Probe()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("ffmpeg", "-version") { RedirectStandardOutput = true, UseShellExecute = false });
            var output = process!.StandardOutput.ReadToEndAsync(); // read, so a full pipe cannot hold ffmpeg up
            // A busy machine can take seconds to start it: a short wait read ExitCode of a running process, which threw
            // in the type's initializer and failed every media class at discovery. Not answering in a minute is a fault
            // to see, not a reason to skip.
            if (!process.WaitForExit(60_000))
            {
                process.Kill();
                throw new InvalidOperationException("ffmpeg -version did not exit within 60 s");
            }
            output.Wait();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}

/// <summary>One stream ffprobe read: its type (video/audio), codec and the packets read.</summary>
public sealed record ProbedStream(string CodecType, string CodecName, int PacketsRead);

/// <summary>What ffprobe read from a URL: exit code, streams, and its stderr.</summary>
public sealed record ProbeResult(int ExitCode, IReadOnlyList<ProbedStream> Streams, string Errors)
{
    /// <summary>The first stream of <paramref name="codecName"/>, or null.</summary>
    public ProbedStream? Find(string codecName) => Streams.FirstOrDefault(s => s.CodecName == codecName);
    /// <inheritdoc />
    public override string ToString() =>
        $"exit {ExitCode}; streams [{string.Join(", ", Streams)}]; stderr: {Errors}";
}

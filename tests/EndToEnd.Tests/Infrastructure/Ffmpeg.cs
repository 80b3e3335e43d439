using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace EndToEnd.Tests.Infrastructure;

/// <summary>Real ffmpeg/ffprobe processes as RTMP and HTTP-FLV peers (Debian's ffmpeg package).</summary>
internal static class Ffmpeg
{
    /// <summary>
    /// Starts ffmpeg publishing a test pattern + 440 Hz tone (H.264 zerolatency, AAC) to <paramref name="url"/>
    /// at real-time pace for <paramref name="seconds"/>.
    /// </summary>
    public static RunningProcess Publish(string url, int seconds) => RunningProcess.Start("ffmpeg",
        "-hide_banner", "-loglevel", "warning", "-nostdin", "-re",
        "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "64k", "-t", seconds.ToString(), "-f", "flv", url);

    /// <summary>Starts ffmpeg reading <paramref name="url"/> and discarding it, for at most <paramref name="seconds"/>.</summary>
    public static RunningProcess Play(string url, int seconds) => RunningProcess.Start("ffmpeg",
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
}

internal sealed record ProbedStream(string CodecType, string CodecName, int PacketsRead);

internal sealed record ProbeResult(int ExitCode, IReadOnlyList<ProbedStream> Streams, string Errors)
{
    public ProbedStream? Find(string codecName) => Streams.FirstOrDefault(s => s.CodecName == codecName);
    public override string ToString() =>
        $"exit {ExitCode}; streams [{string.Join(", ", Streams)}]; stderr: {Errors}";
}

/// <summary>A child process whose output is collected; killed on dispose.</summary>
internal sealed class RunningProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private RunningProcess(Process process) => _process = process;

    public static RunningProcess Start(string fileName, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        var running = new RunningProcess(Process.Start(info) ?? throw new InvalidOperationException($"cannot start {fileName}"));
        running._process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (running._stdout) running._stdout.AppendLine(e.Data); };
        running._process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (running._stderr) running._stderr.AppendLine(e.Data); };
        running._process.BeginOutputReadLine();
        running._process.BeginErrorReadLine();
        return running;
    }

    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;
    public string StandardOutput { get { lock (_stdout) return _stdout.ToString(); } }
    public string StandardError { get { lock (_stderr) return _stderr.ToString(); } }

    /// <summary>Waits up to <paramref name="timeout"/>; true when the process exited in time.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Kill()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
    }

    public void Dispose()
    {
        try { Kill(); } catch (InvalidOperationException) { }
        _process.WaitForExit(5000);
        _process.Dispose();
    }
}

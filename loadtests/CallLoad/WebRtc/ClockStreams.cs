using System.Diagnostics;

namespace CallLoad.WebRtc;

/// <summary>
/// ffmpeg publishing <see cref="FrameClock"/> frames at 25 fps (and a tone) over RTMP (x264 ultrafast/zerolatency, constrained
/// baseline, GOP 1 s: what the tests' publishers send), the frames written by this process as they are stamped.
/// </summary>
public sealed class ClockPublisher : IAsyncDisposable
{
    private readonly Process _ffmpeg;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _writer;

    public ClockPublisher(string pushUrl)
    {
        // Audio too (a 440 Hz tone, AAC 44.1 kHz, paced by -re on its own input), so the WHEP gateway transcodes as in a call.
        _ffmpeg = Ffmpeg.Start(["-f", "rawvideo", "-pix_fmt", "gray", "-s", $"{FrameClock.Width}x{FrameClock.Height}", "-r", "25",
            "-i", "-", "-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-map", "0:v", "-map", "1:a",
            "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "64k", "-f", "flv", pushUrl], stdin: true);
        _writer = Task.Run(WriteAsync);
    }

    private async Task WriteAsync()
    {
        var frame = new byte[FrameClock.Width * FrameClock.Height];
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(40));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                FrameClock.Draw(frame, FrameClock.Now());
                await _ffmpeg.StandardInput.BaseStream.WriteAsync(frame, _stop.Token);
                await _ffmpeg.StandardInput.BaseStream.FlushAsync(_stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _writer;
        Ffmpeg.Stop(_ffmpeg);
        _stop.Dispose();
    }
}

/// <summary>
/// ffmpeg playing a stream (low-delay decoding, scaled to 320 × 240 grey) and this process reading the clock from every
/// frame as it arrives: <see cref="Latencies"/> are ms from the stamp to the frame's arrival here.
/// </summary>
public sealed class ClockReader : IAsyncDisposable
{
    private readonly Process _ffmpeg;
    private readonly Task _reader;
    private readonly List<double> _latencies = [];

    public ClockReader(string playUrl)
    {
        // One decoder thread: frame threading would hold (threads − 1) frames; passthrough: no duplicated frames (FLV's
        // 1 kHz time base would otherwise make the rawvideo output repeat each frame up to 1000 fps).
        _ffmpeg = Ffmpeg.Start(["-fflags", "nobuffer", "-flags", "low_delay", "-threads", "1", "-rw_timeout", "15000000",
            "-i", playUrl, "-an", "-vf", $"scale={FrameClock.Width}:{FrameClock.Height}", "-pix_fmt", "gray",
            "-fps_mode", "passthrough", "-f", "rawvideo", "-"], stdin: false);
        _reader = Task.Run(ReadAsync);
    }

    /// <summary>Set to start (true) or stop keeping latencies (warm-up and tail are not kept).</summary>
    public bool Recording { get; set; }

    public int Unreadable { get; private set; }

    public IReadOnlyList<double> Latencies { get { lock (_latencies) return [.. _latencies]; } }

    private async Task ReadAsync()
    {
        var frame = new byte[FrameClock.Width * FrameClock.Height];
        var stream = _ffmpeg.StandardOutput.BaseStream;
        try
        {
            while (true)
            {
                await stream.ReadExactlyAsync(frame);
                var stamp = FrameClock.Read(frame, FrameClock.Width, FrameClock.Height);
                if (!Recording) continue;
                if (stamp is null) Unreadable++;
                else if (FrameClock.Since(stamp.Value) is { } ms) lock (_latencies) _latencies.Add(ms);
            }
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        Ffmpeg.Stop(_ffmpeg);
        await _reader;
    }
}

internal static class Ffmpeg
{
    public static Process Start(string[] arguments, bool stdin)
    {
        var info = new ProcessStartInfo("ffmpeg")
        {
            UseShellExecute = false, RedirectStandardInput = stdin, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var a in (string[])["-hide_banner", "-loglevel", "error", "-nostdin", .. arguments])
            info.ArgumentList.Add(a);
        if (stdin) info.ArgumentList.Remove("-nostdin");
        var process = Process.Start(info) ?? throw new InvalidOperationException("ffmpeg did not start");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        return process;
    }

    public static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
        process.Dispose();
    }
}

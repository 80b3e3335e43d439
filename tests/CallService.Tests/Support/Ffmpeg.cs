using System.Diagnostics;
using CallMedia.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CallService.Tests.Support;

/// <summary>
/// A fact that needs ffmpeg and the embedded relay: skipped (visibly) while <c>AddCallMedia</c> registers no
/// relay (before the relay branch is merged) or when ffmpeg is not installed (the repository's test command installs it).
/// </summary>
public sealed class MediaFactAttribute : FactAttribute
{
    public MediaFactAttribute()
    {
        if (!RelayRegistered()) Skip = "The embedded relay is not registered by AddCallMedia (relay not merged yet).";
        else if (!Ffmpeg.Available) Skip = "ffmpeg is not installed.";
    }

    private static bool RelayRegistered()
    {
        var services = new ServiceCollection();
        services.AddCallMedia(new ConfigurationBuilder().Build());
        return services.Any(d => d.ServiceType == typeof(IRelayEndpoints));
    }
}

/// <summary>ffmpeg processes as real RTMP / HTTP-FLV peers.</summary>
public sealed class Ffmpeg : IDisposable
{
    private readonly Process _process;

    private Ffmpeg(string arguments)
    {
        _process = Process.Start(new ProcessStartInfo("ffmpeg", "-hide_banner -loglevel error -nostdin " + arguments)
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        })!;
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (Errors) Errors.Add(e.Data); };
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    public static bool Available { get; } = Probe();

    public List<string> Errors { get; } = [];
    public bool HasExited => _process.HasExited;

    /// <summary>Publishes a test pattern + tone (H.264 zerolatency + AAC) for <paramref name="seconds"/>.</summary>
    public static Ffmpeg Publish(string url, int seconds = 30) => new(
        "-re -f lavfi -i testsrc=size=320x240:rate=15 -f lavfi -i sine=frequency=440:sample_rate=44100 " +
        $"-c:v libx264 -preset ultrafast -tune zerolatency -g 15 -c:a aac -b:a 64k -t {seconds} -f flv \"{url}\"");

    /// <summary>Plays (and discards) a stream over RTMP or HTTP-FLV.</summary>
    public static Ffmpeg Play(string url, int seconds = 30) => new($"-i \"{url}\" -t {seconds} -f null -");

    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
    }

    public async Task<bool> ExitsWithin(TimeSpan time)
    {
        using var cts = new CancellationTokenSource(time);
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

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private static bool Probe()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("ffmpeg", "-version") { RedirectStandardOutput = true, UseShellExecute = false });
            p!.WaitForExit(5000);
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}

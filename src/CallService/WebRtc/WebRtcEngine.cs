using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace CallService.WebRtc;

/// <summary>
/// Whether the gateway can run here: Python with PyGObject and the GStreamer elements it needs (the gateway's own
/// <c>--check</c>). Checked once, in the background at start, so a machine without the engine starts as fast as before
/// and says so in one line; the RTMP side is not affected.
/// </summary>
internal sealed class WebRtcEngine(IOptions<WebRtcOptions> options) : IHostedService
{
    private readonly Lazy<Task<string?>> _problem = new(() => Task.Run(() => CheckAsync(options.Value)));

    /// <summary>Null when the engine is usable; else one sentence saying what is missing.</summary>
    public Task<string?> ProblemAsync() => options.Value.Enabled ? _problem.Value : Task.FromResult<string?>("WebRtc:Enabled is false");

    /// <summary>The problem once the check has finished; null while it runs or when the engine is usable.</summary>
    public string? KnownProblem =>
        !options.Value.Enabled ? "WebRtc:Enabled is false" :
        _problem.IsValueCreated && _problem.Value.IsCompletedSuccessfully ? _problem.Value.Result : null;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled) return Task.CompletedTask;
        _ = ProblemAsync().ContinueWith(t =>
        {
            // One line on stderr, like the other start-up notices: the service runs, browsers get 503 problems.
            if (t.Result is { } problem)
                Console.Error.WriteLine($"WebRTC unavailable ({problem}); WHIP/WHEP answer 503, RTMP parties are not affected. See docs/webrtc.md.");
        }, TaskScheduler.Default);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static async Task<string?> CheckAsync(WebRtcOptions o)
    {
        var script = o.ResolvedGatewayScript;
        if (!File.Exists(script)) return $"gateway script {script} not found";
        var info = new ProcessStartInfo(o.Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(script);
        info.ArgumentList.Add("--check");
        try
        {
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token);
            if (process.ExitCode == 0) return null;
            var said = (await stdout).Trim();
            if (said.Length > 0) return said;
            // An import failure: the last line of the traceback names it (e.g. "No module named 'gi'").
            var last = (await stderr).Trim().Split('\n').LastOrDefault()?.Trim();
            return $"{o.Python} cannot run the gateway: {last} (Debian: python3-gi, gir1.2-gst-plugins-bad-1.0, gstreamer1.0-nice)";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return $"{o.Python} not found";
        }
        catch (OperationCanceledException)
        {
            return "the engine check did not finish in 30 s";
        }
    }
}

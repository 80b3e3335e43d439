using System.Diagnostics;

namespace TestSupport.Processes;

/// <summary>What a process left when it exited: its exit code (-1: killed at the timeout) and its whole stdout and stderr.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>Runs a process to its exit, bounded: one way for every test project to run initdb, ffprobe or CallService itself.</summary>
public static class ProcessRun
{
    /// <summary>
    /// Starts <paramref name="info"/> (output redirected here) and waits for its exit; a process still running after
    /// <paramref name="timeout"/> is killed with its children and reported with exit code -1.
    /// </summary>
    public static async Task<ProcessResult> UntilExitAsync(ProcessStartInfo info, TimeSpan timeout)
    {
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {info.FileName}");
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
            return new ProcessResult(-1, await stdout, await stderr);
        }
        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary><see cref="UntilExitAsync(ProcessStartInfo, TimeSpan)"/> for <paramref name="file"/> and its arguments (no shell).</summary>
    public static Task<ProcessResult> UntilExitAsync(string file, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file);
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        return UntilExitAsync(info, timeout);
    }
}

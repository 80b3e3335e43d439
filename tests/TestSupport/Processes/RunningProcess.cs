using System.Diagnostics;
using System.Text;

namespace TestSupport.Processes;

/// <summary>A child process whose output is collected; killed on dispose.</summary>
public sealed class RunningProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private RunningProcess(Process process) => _process = process;

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/> (no shell), collecting stdout and stderr.</summary>
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

    /// <summary>True once the process has exited.</summary>
    public bool HasExited => _process.HasExited;
    /// <summary>The exit code (after exit).</summary>
    public int ExitCode => _process.ExitCode;
    /// <summary>stdout so far.</summary>
    public string StandardOutput { get { lock (_stdout) return _stdout.ToString(); } }
    /// <summary>stderr so far.</summary>
    public string StandardError { get { lock (_stderr) return _stderr.ToString(); } }

    /// <summary>Waits up to <paramref name="timeout"/>; true when the process exited in time.</summary>
    public Task<bool> WaitForExitAsync(TimeSpan timeout) => _process.ExitedWithinAsync(timeout);

    /// <summary>Kills the process and its children, if still running.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
    }

    /// <summary>Kills (if running) and waits up to 5 s for the exit.</summary>
    public void Dispose()
    {
        try { Kill(); } catch (InvalidOperationException) { }
        _process.WaitForExit(5000);
        _process.Dispose();
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace CallLoad.Measuring;

/// <summary>
/// <c>strace -c -f -p &lt;pid&gt;</c> attached to a running server: <see cref="AttachAsync"/> returns once strace reports
/// that it has attached (its <c>Process N attached</c> line), so the caller's window starts on a traced process;
/// <see cref="StopAsync"/> sends it SIGINT, on which it detaches from every thread and writes its summary table
/// (strace(1)). A window that starts only after the attach cannot end before strace has started, however slow the
/// machine is at starting it.
/// </summary>
public sealed class SyscallTrace : IAsyncDisposable
{
    /// <summary>How long strace may take to attach, and to detach and write its table, before the trace fails.</summary>
    public static readonly TimeSpan StepLimit = TimeSpan.FromSeconds(30);

    private const int SigInt = 2;
    private readonly Process _strace;
    private readonly string _output;
    private readonly StringBuilder _stderr;
    private readonly Task _stderrDrained;

    private SyscallTrace(Process strace, string output, StringBuilder stderr, Task stderrDrained)
    {
        _strace = strace;
        _output = output;
        _stderr = stderr;
        _stderrDrained = stderrDrained;
    }

    /// <summary>
    /// Starts strace on <paramref name="pid"/> and waits until it has attached.
    /// Throws <see cref="InvalidOperationException"/> (with strace's own message) when it exits or does not attach
    /// within <see cref="StepLimit"/>.
    /// </summary>
    public static async Task<SyscallTrace> AttachAsync(int pid, CancellationToken cancellationToken)
    {
        var output = Path.Combine(Path.GetTempPath(), $"callload-strace-{pid}-{Guid.NewGuid():N}.txt");
        var psi = new ProcessStartInfo("strace", ["-c", "-f", "-p", pid.ToString(CultureInfo.InvariantCulture), "-o", output])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        var strace = Process.Start(psi) ?? throw new InvalidOperationException("strace did not start.");
        var stderr = new StringBuilder();
        var attached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var drained = DrainAsync(strace.StandardError, stderr, attached);
        var trace = new SyscallTrace(strace, output, stderr, drained);
        try
        {
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bound.CancelAfter(StepLimit);
            var exited = strace.WaitForExitAsync(bound.Token);
            await Task.WhenAny(attached.Task, exited).ConfigureAwait(false);
            if (attached.Task.IsCompletedSuccessfully)
                return trace;
            cancellationToken.ThrowIfCancellationRequested();
            var gone = attached.Task.IsCanceled || exited.IsCompletedSuccessfully; // its stderr closed, or it exited
            if (gone) // wait for its last words, a bounded while
            {
                try { await Task.WhenAll(drained, strace.WaitForExitAsync(cancellationToken)).WaitAsync(StepLimit, cancellationToken).ConfigureAwait(false); }
                catch (TimeoutException) { }
            }
            throw new InvalidOperationException(gone
                ? $"strace exited without attaching to {pid}: {trace.Stderr()}"
                : $"strace did not attach to {pid} within {StepLimit.TotalSeconds:F0} s: {trace.Stderr()}");
        }
        catch
        {
            await trace.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Interrupts strace and returns every syscall of the traced window with its count, most called first.
    /// Throws <see cref="InvalidOperationException"/> when it prints no table: strace writes none when the process
    /// completed no syscall while traced.
    /// </summary>
    public async Task<IReadOnlyList<SyscallCount>> StopAsync(CancellationToken cancellationToken)
    {
        if (!_strace.HasExited)
            _ = kill(_strace.Id, SigInt);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(StepLimit);
        try
        {
            await _strace.WaitForExitAsync(bound.Token).ConfigureAwait(false);
            await _stderrDrained.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"strace did not write its summary within {StepLimit.TotalSeconds:F0} s of SIGINT: {Stderr()}");
        }
        var text = File.Exists(_output) ? await File.ReadAllTextAsync(_output, cancellationToken).ConfigureAwait(false) : "";
        var counts = SyscallCounts.Parse(text);
        if (counts.Count == 0)
            throw new InvalidOperationException($"strace printed no summary (no syscall completed while traced?): {Stderr()}");
        return counts;
    }

    /// <summary>Kills strace if it still runs and deletes its output file.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_strace.HasExited)
            {
                _strace.Kill();
                await _strace.WaitForExitAsync().WaitAsync(StepLimit).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            // already gone, or not ours to wait for any longer
        }
        _strace.Dispose();
        File.Delete(_output);
    }

    private string Stderr()
    {
        lock (_stderr)
            return _stderr.ToString().Trim().ReplaceLineEndings(" | ");
    }

    private static async Task DrainAsync(StreamReader reader, StringBuilder lines, TaskCompletionSource attached)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            lock (lines)
                lines.AppendLine(line);
            if (line.Contains(" attached", StringComparison.Ordinal))
                attached.TrySetResult();
        }
        attached.TrySetCanceled(); // strace exited without attaching
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}

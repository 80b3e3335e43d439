using System.Globalization;

namespace CallLoad.Measuring;

/// <summary>Calls of one system call in a traced window (a row of <c>strace -c</c>).</summary>
public sealed record SyscallCount(string Name, long Calls, long Errors);

/// <summary>
/// System calls a server made in a bounded window: <c>strace -c -f -p &lt;pid&gt;</c> attached for a few seconds
/// (every thread of the process), then interrupted so it detaches and prints its summary table (strace(1));
/// <see cref="SyscallTrace"/> does the attaching and interrupting.
/// Tracing slows the traced process, so no CPU or latency figure is taken in the same window.
/// </summary>
public static class SyscallCounts
{
    /// <summary>Whether strace is on the PATH (Debian package <c>strace</c>).</summary>
    public static bool IsInstalled => OperatingSystem.IsLinux() && File.Exists("/usr/bin/strace");

    /// <summary>
    /// Traces <paramref name="pid"/> for <paramref name="window"/> from the moment strace has attached
    /// (<see cref="SyscallTrace"/>) and returns every syscall with its count, most called first. Throws
    /// <see cref="InvalidOperationException"/> when strace cannot attach or prints no table.
    /// </summary>
    public static async Task<IReadOnlyList<SyscallCount>> TraceAsync(int pid, TimeSpan window, CancellationToken cancellationToken)
    {
        await using var trace = await SyscallTrace.AttachAsync(pid, cancellationToken).ConfigureAwait(false);
        await Task.Delay(window, cancellationToken).ConfigureAwait(false);
        return await trace.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Parses the summary table of <c>strace -c</c>: rows of <c>% time, seconds, usecs/call, calls, [errors], syscall</c>
    /// between dashed lines; the <c>total</c> row and anything else is skipped.
    /// </summary>
    public static IReadOnlyList<SyscallCount> Parse(string text)
    {
        var rows = new List<SyscallCount>();
        foreach (var raw in text.Split('\n'))
        {
            var fields = raw.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length is not (5 or 6) || fields[^1] == "total" || !double.TryParse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                continue;
            if (!long.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var calls))
                continue;
            var errors = fields.Length == 6 && long.TryParse(fields[4], NumberStyles.None, CultureInfo.InvariantCulture, out var e) ? e : 0;
            rows.Add(new SyscallCount(fields[^1], calls, errors));
        }
        return [.. rows.OrderByDescending(r => r.Calls).ThenBy(r => r.Name, StringComparer.Ordinal)];
    }
}

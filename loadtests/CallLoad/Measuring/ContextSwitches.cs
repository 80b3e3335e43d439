using System.Globalization;

namespace CallLoad.Measuring;

/// <summary>
/// Context switches of every thread of a process: the sum of <c>voluntary_ctxt_switches</c> (a thread blocked:
/// a wait, a poll, a lock) and <c>nonvoluntary_ctxt_switches</c> (preempted) over <c>/proc/&lt;pid&gt;/task/*/status</c>
/// (proc(5)). Counts of threads that exit between two reads are lost, so it is a lower bound; read without tracing.
/// </summary>
public static class ContextSwitches
{
    /// <summary>Voluntary + involuntary switches of the live threads of <paramref name="pid"/>; 0 when unreadable.</summary>
    public static long Read(int pid)
    {
        long total = 0;
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    total += Parse(File.ReadAllText(Path.Combine(task, "status")));
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // The thread exited between listing and reading.
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
        return total;
    }

    /// <summary>Voluntary + involuntary switches from one <c>status</c> file.</summary>
    public static long Parse(string status)
    {
        long total = 0;
        foreach (var line in status.AsSpan().EnumerateLines())
        {
            if (!line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal) && !line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                continue;
            var value = line[(line.IndexOf(':') + 1)..].Trim();
            if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
                total += count;
        }
        return total;
    }
}

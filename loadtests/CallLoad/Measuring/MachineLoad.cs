using System.Globalization;

namespace CallLoad.Measuring;

/// <summary>
/// The whole machine's busy CPU time (every non-idle column of the <c>cpu</c> line of <c>/proc/stat</c>: user, nice,
/// system, irq, softirq, steal; proc(5)) and its 1-minute load average (<c>/proc/loadavg</c>). Subtracting the
/// server's and the generator's CPU from the machine's gives what other jobs took during a run.
/// </summary>
public static class MachineLoad
{
    private const double TicksPerSecond = 100; // USER_HZ, fixed at 100 on Linux for /proc/stat

    /// <summary>Busy CPU seconds of the machine since boot; 0 when unreadable.</summary>
    public static double BusySeconds()
    {
        try
        {
            return ParseBusySeconds(File.ReadLines("/proc/stat").First());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return 0;
        }
    }

    /// <summary>Busy seconds from the aggregate <c>cpu</c> line (idle and iowait left out; guest is already in user).</summary>
    public static double ParseBusySeconds(string cpuLine)
    {
        var f = cpuLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long Field(int i) => f.Length > i ? long.Parse(f[i], CultureInfo.InvariantCulture) : 0;
        return (Field(1) + Field(2) + Field(3) + Field(6) + Field(7) + Field(8)) / TicksPerSecond;
    }

    /// <summary>The 1-minute load average; 0 when unreadable.</summary>
    public static double LoadAverage()
    {
        try
        {
            var text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return 0;
        }
    }
}

using System.Globalization;
using System.Runtime.InteropServices;

namespace CallLoad.Measuring;

/// <summary>CPU time and memory of a process, read from <c>/proc/&lt;pid&gt;/stat</c> and <c>/proc/&lt;pid&gt;/status</c>.</summary>
public readonly record struct ProcessSample(double CpuSeconds, long RssBytes, long PeakRssBytes);

/// <summary>
/// Samples a server process while a scenario runs: CPU seconds used in the window (utime + stime delta) and the
/// peak resident set (max of VmRSS samples, and VmHWM). Linux only; elsewhere it reports zeros.
/// </summary>
public sealed class ProcessSampler : IAsyncDisposable
{
    private static readonly long ClockTicksPerSecond = ReadClockTicks();
    private readonly int _pid;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly ProcessSample _start;
    private long _peakRss;

    private ProcessSampler(int pid)
    {
        _pid = pid;
        _start = Read(pid) ?? default;
        _peakRss = _start.RssBytes;
        _loop = LoopAsync();
    }

    /// <summary>Starts sampling <paramref name="pid"/> every 250 ms; null pid gives a sampler that reports zeros.</summary>
    public static ProcessSampler? Start(int? pid) => pid is { } p && OperatingSystem.IsLinux() ? new ProcessSampler(p) : null;

    /// <summary>Wall-clock start of the window.</summary>
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>Stops sampling and returns CPU seconds used in the window and the peak RSS seen.</summary>
    public async Task<(double CpuSeconds, double WallSeconds, long PeakRssBytes)> StopAsync()
    {
        _stop.Cancel();
        await _loop.ConfigureAwait(false);
        var end = Read(_pid) ?? _start;
        var peak = Math.Max(_peakRss, Math.Max(end.RssBytes, end.PeakRssBytes));
        return (end.CpuSeconds - _start.CpuSeconds, (DateTimeOffset.UtcNow - StartedAt).TotalSeconds, peak);
    }

    private async Task LoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await Task.Delay(250, _stop.Token).ConfigureAwait(false);
                if (Read(_pid) is { } sample)
                    _peakRss = Math.Max(_peakRss, sample.RssBytes);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Reads one sample; null when the process is gone.</summary>
    public static ProcessSample? Read(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var status = File.ReadAllText($"/proc/{pid}/status");
            return Parse(stat, status, ClockTicksPerSecond);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Parses <c>stat</c> (fields after the parenthesised command name; utime and stime are fields 14 and 15,
    /// in clock ticks) and <c>status</c> (VmRSS, VmHWM in kB). See proc(5).
    /// </summary>
    public static ProcessSample Parse(string stat, string status, long clockTicksPerSecond)
    {
        var afterName = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // afterName[0] is field 3 (state), so field N is afterName[N - 3].
        var utime = long.Parse(afterName[14 - 3], CultureInfo.InvariantCulture);
        var stime = long.Parse(afterName[15 - 3], CultureInfo.InvariantCulture);
        return new ProcessSample((utime + stime) / (double)clockTicksPerSecond, StatusKb(status, "VmRSS:") * 1024, StatusKb(status, "VmHWM:") * 1024);
    }

    private static long StatusKb(string status, string field)
    {
        foreach (var line in status.AsSpan().EnumerateLines())
        {
            if (!line.StartsWith(field, StringComparison.Ordinal))
                continue;
            var value = line[field.Length..].Trim();
            var space = value.IndexOf(' ');
            return long.Parse(space < 0 ? value : value[..space], CultureInfo.InvariantCulture);
        }
        return 0;
    }

    private static long ReadClockTicks()
    {
        if (!OperatingSystem.IsLinux())
            return 100;
        try
        {
            var ticks = sysconf(2); // _SC_CLK_TCK
            return ticks > 0 ? ticks : 100;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return 100;
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern long sysconf(int name);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
            await StopAsync().ConfigureAwait(false);
    }
}

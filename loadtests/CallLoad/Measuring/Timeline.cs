using System.Diagnostics;

namespace CallLoad.Measuring;

/// <summary>
/// One slice of a measured window: what completed in it and what the server looked like at its end. Shows whether RSS
/// is flat over a run and how the first seconds after a start compare with later ones (<c>--warmup 0</c>).
/// </summary>
/// <param name="EndSeconds">End of the slice, seconds since the window started.</param>
/// <param name="Completed">Lifecycles that completed in the slice.</param>
/// <param name="LifecycleP50">Lifecycle p50 of those, ms.</param>
/// <param name="LifecycleP99">Lifecycle p99 of those, ms.</param>
/// <param name="CpuMsPerLifecycle">Server CPU in the slice (every node) ÷ <paramref name="Completed"/>, ms; 0 when none completed.</param>
/// <param name="RssMiB">Server VmRSS at the end of the slice (summed over nodes), MiB.</param>
/// <param name="GeneratorCpuShare">
/// This generator's CPU in the slice ÷ the slice's wall time ÷ the cores it may use (1 = all of them busy): a slice at or
/// above <see cref="GeneratorLoad.SaturatedCpuShare"/> shows the generator's limit, not the server's.
/// </param>
/// <param name="DatabaseCpuMsPerLifecycle">
/// The database's CPU in the slice (every process of the throwaway PostgreSQL cluster, backends started during the slice
/// included) ÷ <paramref name="Completed"/>, ms; 0 without a database or when none completed. It shares the cores.
/// </param>
public sealed record TimelineSlice(double EndSeconds, int Completed, double LifecycleP50, double LifecycleP99, double CpuMsPerLifecycle, double RssMiB,
    double GeneratorCpuShare, double DatabaseCpuMsPerLifecycle = 0)
{
    /// <summary>True when <see cref="GeneratorCpuShare"/> is at or above <see cref="GeneratorLoad.SaturatedCpuShare"/>.</summary>
    public bool GeneratorSaturated => GeneratorCpuShare >= GeneratorLoad.SaturatedCpuShare;
}

/// <summary>
/// Samples the servers' CPU and VmRSS, the database's CPU and this generator's CPU (<see cref="ProcessSampler.Read"/>) at
/// the end of every slice of a window; the slices are then filled with the lifecycles that completed in them.
/// </summary>
public sealed class TimelineRecorder
{
    private readonly IReadOnlyList<int> _servers;
    private readonly DatabaseCpu _database;
    private readonly int _generatorCores;
    private readonly TimeSpan _slice;
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly List<(long Ticks, double Cpu, long Rss, double GeneratorCpu, double DatabaseCpu)> _samples = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private TimelineRecorder(IReadOnlyList<int> servers, Func<IReadOnlyList<int>> database, int generatorCores, TimeSpan slice)
    {
        _servers = servers;
        _database = new DatabaseCpu(database);
        _generatorCores = Math.Max(1, generatorCores);
        _slice = slice;
        _samples.Add(Sample());
        _loop = LoopAsync();
    }

    /// <summary>When the window started (<see cref="Stopwatch"/> ticks): completions are placed relative to it.</summary>
    public long StartedTicks => _started;

    /// <summary>
    /// Starts sampling <paramref name="servers"/>, the processes <paramref name="database"/> lists at each sample (none:
    /// no database) and this process (the generator, on <paramref name="generatorCores"/> cores) every
    /// <paramref name="slice"/> (at least 1 s).
    /// </summary>
    public static TimelineRecorder Start(IReadOnlyList<int> servers, int generatorCores, TimeSpan slice, Func<IReadOnlyList<int>>? database = null) =>
        new(servers, database ?? (() => []), generatorCores, slice < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : slice);

    private (long Ticks, double Cpu, long Rss, double GeneratorCpu, double DatabaseCpu) Sample()
    {
        double cpu = 0;
        long rss = 0;
        foreach (var pid in _servers)
            if (ProcessSampler.Read(pid) is { } s)
            {
                cpu += s.CpuSeconds;
                rss += s.RssBytes;
            }
        return (Stopwatch.GetTimestamp(), cpu, rss, ProcessSampler.Read(Environment.ProcessId)?.CpuSeconds ?? 0, _database.Used());
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(_slice);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
                lock (_samples) _samples.Add(Sample());
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Stops sampling (a last sample closes the last, partial slice, or extends the one before when under half a slice)
    /// and returns the slices, given each completed
    /// lifecycle's end (<see cref="Stopwatch"/> ticks) and duration (ms).
    /// </summary>
    public async Task<List<TimelineSlice>> StopAsync(IReadOnlyCollection<(long EndedTicks, double Ms)> completions)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        List<(long Ticks, double Cpu, long Rss, double GeneratorCpu, double DatabaseCpu)> samples;
        lock (_samples)
        {
            // The last, partial slice joins the one before when it is under half a slice (a few completions would
            // otherwise make a slice of their own with a meaningless CPU per lifecycle).
            var last = Sample();
            if (_samples.Count > 1 && Stopwatch.GetElapsedTime(_samples[^1].Ticks, last.Ticks) < _slice / 2)
                _samples[^1] = last;
            else
                _samples.Add(last);
            samples = [.. _samples];
        }
        var slices = new List<TimelineSlice>();
        for (var i = 1; i < samples.Count; i++)
        {
            var (from, to) = (samples[i - 1], samples[i]);
            var durations = completions.Where(c => c.EndedTicks > from.Ticks && c.EndedTicks <= to.Ticks).Select(c => c.Ms).ToList();
            var lifecycles = Summary.Of(durations);
            var cpuMs = durations.Count == 0 ? 0 : (to.Cpu - from.Cpu) * 1000 / durations.Count;
            var databaseMs = durations.Count == 0 ? 0 : (to.DatabaseCpu - from.DatabaseCpu) * 1000 / durations.Count;
            var generatorShare = GeneratorLoad.ShareOf(to.GeneratorCpu - from.GeneratorCpu,
                Stopwatch.GetElapsedTime(from.Ticks, to.Ticks).TotalSeconds, _generatorCores);
            slices.Add(new TimelineSlice(
                Math.Round(Stopwatch.GetElapsedTime(_started, to.Ticks).TotalSeconds, 1), durations.Count,
                Math.Round(lifecycles.P50, 1), Math.Round(lifecycles.P99, 1), Math.Round(cpuMs, 3), Math.Round(to.Rss / 1048576.0, 1),
                Math.Round(generatorShare, 3), Math.Round(databaseMs, 3)));
        }
        return slices;
    }
}

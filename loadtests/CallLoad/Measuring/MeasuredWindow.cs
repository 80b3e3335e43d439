using System.Diagnostics;

namespace CallLoad.Measuring;

/// <summary>What one measured window of <c>signaling</c> read from <c>/proc</c>: CPU of server, database, generator and machine, RSS, context switches.</summary>
public sealed record WindowFigures(
    double WallSeconds, double ServerCpu, double DatabaseCpu, double GeneratorCpu, double MachineCpu,
    long ContextSwitches, long RssStart, long RssEnd, long PeakRss, double LoadStart, double LoadEnd);

/// <summary>
/// A measured window: CPU of every server and database process (<see cref="ProcessSampler"/>), of this generator
/// process and of the whole machine (<see cref="MachineLoad"/>), server context switches and RSS at both ends.
/// </summary>
public sealed class MeasuredWindow
{
    private readonly IReadOnlyList<int> _servers;
    private readonly DatabaseCpu _database;
    private readonly List<ProcessSampler> _serverSamplers;
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly double _generatorStart = ProcessSampler.Read(Environment.ProcessId)?.CpuSeconds ?? 0;
    private readonly double _machineStart = MachineLoad.BusySeconds();
    private readonly double _loadStart = MachineLoad.LoadAverage();
    private readonly long _switchesStart;
    private readonly long _rssStart;

    private MeasuredWindow(IReadOnlyList<int> servers, Func<IReadOnlyList<int>> database)
    {
        _servers = servers;
        _database = new DatabaseCpu(database);
        _database.Used();
        _serverSamplers = [.. servers.Select(pid => ProcessSampler.Start(pid)).OfType<ProcessSampler>()];
        _switchesStart = servers.Sum(ContextSwitches.Read);
        _rssStart = servers.Sum(pid => ProcessSampler.Read(pid)?.RssBytes ?? 0);
    }

    /// <summary>
    /// Starts the window over <paramref name="servers"/> and the processes <paramref name="database"/> lists at its start
    /// and end (backends a database started during the window count: <see cref="DatabaseCpu"/>).
    /// </summary>
    public static MeasuredWindow Start(IReadOnlyList<int> servers, Func<IReadOnlyList<int>> database) => new(servers, database);

    /// <summary>Ends the window and returns its figures.</summary>
    public async Task<WindowFigures> StopAsync()
    {
        var wall = Stopwatch.GetElapsedTime(_started).TotalSeconds;
        var generator = (ProcessSampler.Read(Environment.ProcessId)?.CpuSeconds ?? 0) - _generatorStart;
        var machine = MachineLoad.BusySeconds() - _machineStart;
        var switches = _servers.Sum(ContextSwitches.Read) - _switchesStart;
        var rssEnd = _servers.Sum(pid => ProcessSampler.Read(pid)?.RssBytes ?? 0);
        var database = _database.Used();
        double serverCpu = 0;
        long peak = 0;
        foreach (var sampler in _serverSamplers)
        {
            var (cpu, _, p) = await sampler.StopAsync().ConfigureAwait(false);
            serverCpu += cpu;
            peak = Math.Max(peak, p);
        }
        return new WindowFigures(wall, serverCpu, database, generator, machine, switches, _rssStart, rssEnd, peak, _loadStart, MachineLoad.LoadAverage());
    }
}

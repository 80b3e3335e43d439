namespace CallLoad.Measuring;

/// <summary>
/// CPU used by a database whose processes come and go (PostgreSQL forks a backend per connection): every process
/// <c>list</c> names at a reading is read from <c>/proc</c>; one first seen after the first reading counts from its
/// birth (it started since the previous reading, or it would have been listed then), one gone keeps what it had used at
/// its last reading.
/// </summary>
/// <param name="list">The database's processes now (for PostgreSQL: the postmaster's and its children's ids).</param>
public sealed class DatabaseCpu(Func<IReadOnlyList<int>> list)
{
    private readonly Dictionary<int, double> _last = [];
    private bool _started;
    private double _baseline;
    private double _gone;

    /// <summary>
    /// CPU seconds used since the first reading by the processes seen (0 at the first reading itself: what the processes
    /// listed then had used before is not counted).
    /// </summary>
    public double Used()
    {
        var now = new Dictionary<int, double>();
        foreach (var pid in list())
            if (ProcessSampler.Read(pid) is { } s)
                now[pid] = s.CpuSeconds;
        foreach (var (pid, cpu) in _last)
            if (!now.ContainsKey(pid)) _gone += cpu;
        _last.Clear();
        foreach (var (pid, cpu) in now) _last[pid] = cpu;
        if (!_started)
        {
            (_started, _baseline) = (true, now.Values.Sum());
            return 0;
        }
        return _gone + now.Values.Sum() - _baseline;
    }
}

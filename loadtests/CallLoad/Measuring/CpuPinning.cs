using System.Diagnostics;
using System.Globalization;

namespace CallLoad.Measuring;

/// <summary>
/// Keeps the load generator and the server off each other's cores with <c>taskset</c> (util-linux; taskset(1)): the
/// CPUs this process may use (<c>Cpus_allowed_list</c> of <c>/proc/self/status</c>) are split in two halves, the first
/// for the server (nodes, database), the second for the generator. Needs at least two allowed CPUs.
/// </summary>
public sealed record CpuPinning(IReadOnlyList<int> ServerCpus, IReadOnlyList<int> GeneratorCpus)
{
    /// <summary>The split of this machine's allowed CPUs, or null when there are fewer than two or taskset is missing.</summary>
    public static CpuPinning? ForThisMachine()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/usr/bin/taskset"))
            return null;
        var allowed = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal));
        return allowed is null ? null : Split(ParseCpuList(allowed["Cpus_allowed_list:".Length..]));
    }

    /// <summary>First half (rounded down, at least one) for the server, the rest for the generator; null below two CPUs.</summary>
    public static CpuPinning? Split(IReadOnlyList<int> cpus)
    {
        if (cpus.Count < 2)
            return null;
        var server = Math.Max(1, cpus.Count / 2);
        return new CpuPinning([.. cpus.Take(server)], [.. cpus.Skip(server)]);
    }

    /// <summary>Parses a CPU list such as <c>0-3,6,8-9</c> (cpuset(7) list format).</summary>
    public static IReadOnlyList<int> ParseCpuList(string list)
    {
        var cpus = new List<int>();
        foreach (var part in list.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var range = part.Split('-');
            var first = int.Parse(range[0], CultureInfo.InvariantCulture);
            var last = range.Length > 1 ? int.Parse(range[1], CultureInfo.InvariantCulture) : first;
            for (var cpu = first; cpu <= last; cpu++)
                cpus.Add(cpu);
        }
        return cpus;
    }

    /// <summary>The server's CPUs as a taskset list, e.g. <c>0</c>.</summary>
    public string ServerList => string.Join(',', ServerCpus);

    /// <summary>The generator's CPUs as a taskset list, e.g. <c>1</c>.</summary>
    public string GeneratorList => string.Join(',', GeneratorCpus);

    /// <summary>Human description for reports.</summary>
    public override string ToString() => $"server on CPU {ServerList}, generator on CPU {GeneratorList}";

    /// <summary>A start info that runs <paramref name="file"/> with <paramref name="arguments"/> under <c>taskset -c</c> <paramref name="cpus"/>.</summary>
    public static ProcessStartInfo Wrap(string cpus, string file, IEnumerable<string> arguments) =>
        new("taskset", ["-c", cpus, file, .. arguments]);

    /// <summary>Moves every thread of <paramref name="pid"/> (<c>taskset -a -p</c>) to <paramref name="cpus"/>; threads and children created later inherit it.</summary>
    public static void Pin(int pid, string cpus)
    {
        using var process = Process.Start(new ProcessStartInfo("taskset", ["-a", "-p", "-c", cpus, pid.ToString(CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("taskset did not start");
        var error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"taskset -a -p -c {cpus} {pid} failed: {error.Trim()}");
    }
}

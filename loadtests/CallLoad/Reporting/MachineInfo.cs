using System.Runtime.InteropServices;

namespace CallLoad.Reporting;

/// <summary>The machine a report was produced on.</summary>
public sealed record MachineInfo(string Cpu, int Cores, double MemoryGiB, string Os, string Runtime, string? NginxVersion)
{
    /// <summary>Reads /proc/cpuinfo, /proc/meminfo and the runtime description.</summary>
    public static MachineInfo Collect()
    {
        string cpu = "unknown";
        double memory = 0;
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
            var total = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            memory = Math.Round(long.Parse(total.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1048576.0, 1);
        }
        catch (IOException)
        {
        }
        return new MachineInfo(cpu, Environment.ProcessorCount, memory, RuntimeInformation.OSDescription,
            RuntimeInformation.FrameworkDescription, ReadNginxVersion());
    }

    private static string? ReadNginxVersion()
    {
        try
        {
            var psi = new System.Diagnostics.ProcessStartInfo("nginx", ["-v"]) { RedirectStandardError = true, UseShellExecute = false };
            using var process = System.Diagnostics.Process.Start(psi);
            var text = process?.StandardError.ReadToEnd().Trim();
            process?.WaitForExit();
            return text;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}

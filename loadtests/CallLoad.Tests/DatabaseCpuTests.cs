using System.Diagnostics;
using CallLoad.Measuring;

namespace CallLoad.Tests;

/// <summary>
/// <see cref="DatabaseCpu"/>: a database's CPU counts backends started after the first reading from their birth and
/// keeps what a backend that has exited had used (PostgreSQL forks one per connection; a node opening its connections
/// during a cold window was not counted before).
/// </summary>
public sealed class DatabaseCpuTests
{
    [Fact]
    public async Task ABackendBornAfterTheFirstReading_CountsFromItsBirth_AndKeepsItsCpuOnceGone()
    {
        var pids = new List<int>();
        var database = new DatabaseCpu(() => pids);
        Assert.Equal(0, database.Used()); // nothing listed yet

        // A busy process (bounded by timeout(1) at 10 s, killed sooner), listed only once it runs: a backend started in
        // the window.
        using var busy = Process.Start(new ProcessStartInfo("timeout", ["10", "sh", "-c", "while :; do :; done"]) { UseShellExecute = false })!;
        try
        {
            var shell = 0;
            for (var i = 0; i < 50 && shell == 0; i++)
            {
                await Task.Delay(20);
                shell = ChildOf(busy.Id);
            }
            Assert.NotEqual(0, shell);
            pids.Add(shell);
            await Task.Delay(300);
            var before = ProcessSampler.Read(shell)!.Value.CpuSeconds;
            var running = database.Used();
            var after = ProcessSampler.Read(shell)!.Value.CpuSeconds;
            Assert.True(before > 0, "the busy process ran"); // its CPU since birth, which a reading keyed to the first one would miss
            Assert.InRange(running, before, after);

            busy.Kill(entireProcessTree: true);
            await busy.WaitForExitAsync();
            for (var i = 0; i < 100 && File.Exists($"/proc/{shell}/stat"); i++) await Task.Delay(20);
            Assert.False(File.Exists($"/proc/{shell}/stat"));
            Assert.Equal(running, database.Used(), 6); // gone: what it had used at its last reading stays counted
        }
        finally
        {
            if (!busy.HasExited) busy.Kill(entireProcessTree: true);
        }
    }

    private static int ChildOf(int parent)
    {
        var children = $"/proc/{parent}/task/{parent}/children";
        return File.Exists(children) && File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries) is [var first, ..]
            ? int.Parse(first, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }
}

using System.Diagnostics;
using CallLoad.Measuring;

namespace CallLoad.Tests;

/// <summary>
/// <see cref="SyscallTrace"/> with the real strace (the test command installs it) on small processes of our own: the
/// window starts once strace has attached, so a short window on a busy process always has a table.
/// </summary>
public sealed class SyscallTraceTests
{
    [Fact]
    public async Task ABusyProcess_TracedForAShortWindow_GivesItsSyscalls()
    {
        Assert.True(SyscallCounts.IsInstalled, "strace is installed by the test command");
        using var busy = StartShell("while :; do echo x > /dev/null; done");
        try
        {
            await using var trace = await SyscallTrace.AttachAsync(busy.Id, CancellationToken.None);
            await Task.Delay(TimeSpan.FromMilliseconds(200));
            var counts = await trace.StopAsync(CancellationToken.None);

            var writes = Assert.Single(counts, c => c.Name == "write");
            Assert.True(writes.Calls > 0, $"{writes.Calls} writes");
            Assert.Equal(counts.OrderByDescending(c => c.Calls).Select(c => c.Calls), counts.Select(c => c.Calls));
        }
        finally
        {
            busy.Kill();
        }
    }

    [Fact]
    public async Task AProcessThatMakesNoSyscall_SaysSoInsteadOfGivingAnEmptyCount()
    {
        using var idle = Process.Start(new ProcessStartInfo("sleep", ["60"]) { UseShellExecute = false })!;
        try
        {
            await using var trace = await SyscallTrace.AttachAsync(idle.Id, CancellationToken.None);
            var e = await Assert.ThrowsAsync<InvalidOperationException>(() => trace.StopAsync(CancellationToken.None));
            Assert.StartsWith("strace printed no summary", e.Message);
        }
        finally
        {
            idle.Kill();
        }
    }

    [Fact]
    public async Task AProcessThatIsGone_FailsTheAttachWithStracesReason()
    {
        using var gone = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        await gone.WaitForExitAsync();

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => SyscallTrace.AttachAsync(gone.Id, CancellationToken.None));
        Assert.StartsWith($"strace exited without attaching to {gone.Id}: strace: attach: ptrace(PTRACE_SEIZE, {gone.Id})", e.Message);
    }

    private static Process StartShell(string script) =>
        Process.Start(new ProcessStartInfo("sh", ["-c", script]) { UseShellExecute = false })!;
}

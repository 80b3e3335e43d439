using System.Diagnostics;

namespace TestSupport.Processes;

/// <summary>Bounded waits for a process to exit.</summary>
public static class ProcessExit
{
    /// <summary>Waits up to <paramref name="timeout"/>; true when the process exited in time (it is left running otherwise).</summary>
    public static async Task<bool> ExitedWithinAsync(this Process process, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}

namespace EndToEnd.Tests.Infrastructure;

/// <summary>
/// Runs CallService as a user would and waits for it to exit (for starts that must fail): its exit code and its whole
/// stdout and stderr. A process still running after <c>timeout</c> is killed and reported as exit code -1.
/// </summary>
internal static class ServiceRun
{
    public static Task<ProcessResult> UntilExitAsync(IDictionary<string, string> settings, string workingDirectory, TimeSpan timeout) =>
        ProcessRun.UntilExitAsync(
            CallServiceLaunch.StartInfo(FreePort.Next(), FreePort.Next(), workingDirectory,
                new Dictionary<string, string> { ["Auth:ApiKeys:0"] = ServiceProcess.ApiKey }, settings),
            timeout);
}

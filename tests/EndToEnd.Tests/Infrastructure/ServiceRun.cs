using System.Diagnostics;

namespace EndToEnd.Tests.Infrastructure;

/// <summary>
/// Runs CallService as a user would and waits for it to exit (for starts that must fail): its exit code and its whole
/// stdout and stderr. A process still running after <c>timeout</c> is killed and reported as exit code -1.
/// </summary>
internal static class ServiceRun
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError);

    public static async Task<Result> UntilExitAsync(IDictionary<string, string> settings, string workingDirectory, TimeSpan timeout)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { RepoPaths.ServiceDll },
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort.Next()}";
        info.Environment["Media__Rtmp__Port"] = FreePort.Next().ToString();
        info.Environment["Auth__ApiKeys__0"] = ServiceProcess.ApiKey;
        foreach (var (key, value) in settings)
            info.Environment[key.Replace(":", "__")] = value;

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start CallService");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return new Result(-1, await stdout, await stderr);
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }
}

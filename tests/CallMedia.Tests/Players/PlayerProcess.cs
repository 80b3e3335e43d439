using System.Diagnostics;
using System.Globalization;

namespace CallMedia.Tests.Players;

/// <summary>What a player process left behind: exit code (-1 when it had to be killed) and its output.</summary>
internal sealed record PlayerRun(int ExitCode, bool Killed, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}{(Killed ? " (killed)" : "")}\n{Stdout}\n{Stderr}";
}

/// <summary>Runs real players (Debian packages) as child processes, always bounded by a timeout.</summary>
internal static class PlayerProcess
{
    /// <summary>Fails the test (never skips it) when a player is not installed: <c>test.sh</c> installs them all.</summary>
    public static void Require(string path) =>
        Assert.True(File.Exists(path), $"{path} is missing: run test.sh (it installs the players' Debian packages)");

    /// <summary>Starts <paramref name="file"/> with a command line (quoted as the shell would).</summary>
    public static Process Start(string file, string arguments) => Start(new ProcessStartInfo(file, arguments));

    /// <summary>Starts <paramref name="file"/> with one argument per element (no quoting needed).</summary>
    public static Process Start(string file, IEnumerable<string> arguments) => Start(new ProcessStartInfo(file, arguments));

    private static Process Start(ProcessStartInfo psi)
    {
        Require(psi.FileName);
        psi.RedirectStandardError = true;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardInput = true;
        psi.UseShellExecute = false;
        return Process.Start(psi)!;
    }

    /// <summary>
    /// Runs <paramref name="file"/> to its end, or for at most <paramref name="timeout"/> (then kills it:
    /// <see cref="PlayerRun.Killed"/>), so a player that stalls fails the test instead of hanging it.
    /// </summary>
    public static Task<PlayerRun> RunAsync(string file, string arguments, TimeSpan timeout) =>
        RunAsync(Start(file, arguments), timeout);

    /// <inheritdoc cref="RunAsync(string, string, TimeSpan)"/>
    public static Task<PlayerRun> RunAsync(string file, IEnumerable<string> arguments, TimeSpan timeout) =>
        RunAsync(Start(file, arguments), timeout);

    private static async Task<PlayerRun> RunAsync(Process started, TimeSpan timeout)
    {
        using var process = started;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var killed = false;
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            killed = true;
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        return new PlayerRun(killed ? -1 : process.ExitCode, killed, await stdout, await stderr);
    }

    /// <summary>A fresh temporary directory that any user may write (VLC runs as <c>nobody</c>).</summary>
    public static string TempDirectory()
    {
        var dir = Directory.CreateTempSubdirectory("players-").FullName;
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(dir, (UnixFileMode)0x1FF); // rwxrwxrwx
        return dir;
    }

    public static string Quote(string s) => "\"" + s + "\"";

    public static string Invariant(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}

using System.Diagnostics;

namespace CallLoad.Targets;

/// <summary>Finds the repository (the folder holding <c>CallService.sln</c>) and its build outputs.</summary>
public static class RepoPaths
{
    /// <summary>The repository root, searched upwards from the current directory and then from the executable.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>Where <c>dotnet build -c Release</c> puts CallService.</summary>
    public static string CallServiceDll => Path.Combine(Root, "src", "CallService", "bin", "Release", "net10.0", "CallService.dll");

    /// <summary>Builds CallService in Release when its dll is missing; returns the dll path.</summary>
    public static async Task<string> EnsureCallServiceBuiltAsync()
    {
        if (File.Exists(CallServiceDll))
            return CallServiceDll;
        var project = Path.Combine(Root, "src", "CallService", "CallService.csproj");
        var psi = new ProcessStartInfo("dotnet", ["build", project, "-c", "Release", "-nologo", "-v", "q"])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(psi)!;
        var output = await process.StandardOutput.ReadToEndAsync().ConfigureAwait(false);
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0 || !File.Exists(CallServiceDll))
            throw new InvalidOperationException($"Building CallService failed:\n{output}");
        return CallServiceDll;
    }

    private static string FindRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "CallService.sln")))
                    return dir.FullName;
            }
        }
        return Directory.GetCurrentDirectory();
    }
}

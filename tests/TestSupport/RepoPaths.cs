namespace TestSupport;

/// <summary>Locates the repository and the built CallService assembly from the test's output folder.</summary>
public static class RepoPaths
{
    /// <summary>The folder holding <c>CallService.sln</c>, searched upwards from the test assembly.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The CallService.dll built in the same configuration as this test assembly.</summary>
    public static string ServiceDll
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}")
                ? "Debug" : "Release";
            var dll = Path.Combine(Root, "src", "CallService", "bin", configuration, "net10.0", "CallService.dll");
            if (!File.Exists(dll))
                throw new FileNotFoundException($"CallService is not built ({configuration}); build the solution first.", dll);
            return dll;
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CallService.sln")))
                return dir.FullName;
        throw new DirectoryNotFoundException("CallService.sln not found above " + AppContext.BaseDirectory);
    }
}

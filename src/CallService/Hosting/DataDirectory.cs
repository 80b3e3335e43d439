namespace CallService.Hosting;

/// <summary>The data directory (<c>Storage:DataDirectory</c>, default <c>./data</c>), created on first use.</summary>
internal sealed class DataDirectory
{
    public DataDirectory(IConfiguration configuration)
    {
        Path = System.IO.Path.GetFullPath(configuration["Storage:DataDirectory"] is { Length: > 0 } d ? d : "data");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);
}

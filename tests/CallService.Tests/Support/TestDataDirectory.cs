using CallService.Hosting;
using Microsoft.Extensions.Configuration;

namespace CallService.Tests.Support;

/// <summary>Data directories for stores a test builds itself, outside a host.</summary>
internal static class TestDataDirectory
{
    /// <summary>A <see cref="DataDirectory"/> at <paramref name="path"/>, configured as a host's <c>Storage:DataDirectory</c>.</summary>
    public static DataDirectory At(string path) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:DataDirectory"] = path }).Build());
}

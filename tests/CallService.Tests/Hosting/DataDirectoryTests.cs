using CallService.Hosting;
using Microsoft.Extensions.Configuration;

namespace CallService.Tests.Hosting;

/// <summary>The data directory: one holder at a time, owner-only from the first byte, clear refusals.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // Unix file modes
public sealed class DataDirectoryTests : IDisposable
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly string _root = Directory.CreateTempSubdirectory("callservice-datadir-").FullName;

    private static DataDirectory At(string path) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:DataDirectory"] = path }).Build());

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void Lock_WhileAnotherHolds_IsRefusedNamingTheDirectoryAndTheHolder_ThenFreeAfterRelease()
    {
        var path = Path.Combine(_root, "data");
        using var first = At(path);
        first.Lock();
        using var second = At(path);

        var refused = Assert.Throws<StartupException>(second.Lock);
        Assert.Contains(path, refused.Message);
        Assert.Contains($"pid {Environment.ProcessId} on {Environment.MachineName}", refused.Message);
        Assert.Contains("in use by another CallService process", refused.Message);

        first.Dispose();
        second.Lock(); // the kernel lock went with the first holder: no stale lock file blocks a restart
    }

    [Fact]
    public void NewDirectory_Is0700_AndItsFilesAre0600()
    {
        var path = Path.Combine(_root, "fresh", "data");
        using var data = At(path);
        data.Lock();
        data.EnsurePrivateFile("calls.db");
        Assert.True(data.WritePrivateText("push-key", "secret\n"));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(path));
        foreach (var name in new[] { "lock", "lock.holder", "calls.db", "push-key" })
            Assert.True(File.GetUnixFileMode(Path.Combine(path, name)) == Private, $"{name} is {File.GetUnixFileMode(Path.Combine(path, name))}");
        Assert.Empty(Directory.GetFiles(path, "*.tmp")); // the temporary file was renamed, not left behind
        Assert.Equal("secret", File.ReadAllText(Path.Combine(path, "push-key")).Trim());
    }

    [Fact]
    public void WritePrivateText_KeepsAnExistingValue()
    {
        using var data = At(Path.Combine(_root, "data"));
        Assert.True(data.WritePrivateText("play-key", "first\n"));
        Assert.False(data.WritePrivateText("play-key", "second\n"));
        Assert.Equal("first", File.ReadAllText(data.File("play-key")).Trim());
    }

    [Fact]
    public void Lock_NarrowsFilesAnOlderVersionLeftReadableByOthers()
    {
        var path = Path.Combine(_root, "old");
        Directory.CreateDirectory(path);
        foreach (var name in new[] { "calls.db", "calls.db-wal", "token-signing-key" })
        {
            File.WriteAllText(Path.Combine(path, name), "x");
            File.SetUnixFileMode(Path.Combine(path, name), Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
        using var data = At(path);
        data.Lock();
        foreach (var name in new[] { "calls.db", "calls.db-wal", "token-signing-key" })
            Assert.Equal(Private, File.GetUnixFileMode(Path.Combine(path, name)));
    }

    [Fact]
    public void DirectoryThatCannotBeCreated_IsAStartupExceptionNamingIt()
    {
        var file = Path.Combine(_root, "a-file");
        File.WriteAllText(file, "");
        var path = Path.Combine(file, "data"); // a path under a regular file: cannot exist, even for root

        var e = Assert.Throws<StartupException>(() => At(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("Storage:DataDirectory", e.Message);
    }

    [Fact]
    public void StartupFailure_IsOneLine()
    {
        var line = StartupFailure.Describe(new AggregateException(new InvalidOperationException("wrapped", new StartupException("first\nsecond"))));
        Assert.Equal("CallService did not start: first second", line);
    }
}

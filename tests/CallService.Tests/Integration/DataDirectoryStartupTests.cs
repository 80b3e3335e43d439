using System.Net;
using System.Net.Http.Json;
using CallContracts.Records;
using CallService.Hosting;
using CallService.Tests.Support;
using TestSupport.Storage;

namespace CallService.Tests.Integration;

/// <summary>One process per data directory, and its files owner-only, through the real host.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // Unix file modes
public sealed class DataDirectoryStartupTests
{
    private static object Direct(string caller, string callee) =>
        new { caller = new { userId = caller }, callee = new { userId = callee }, scenario = "general", ring = false };

    [Fact]
    public async Task SecondHost_OnAHeldDataDirectory_StopsBeforeTouchingTheRecords()
    {
        using var first = new ServiceHost();
        var live = (await first.CreateCall(Direct("alice", "bob"))).CallId;

        var refused = Assert.ThrowsAny<Exception>(() => new ServiceHost(first.DataDirectory));
        var startup = Flatten(refused).OfType<StartupException>().FirstOrDefault();
        Assert.True(startup is not null, $"expected a StartupException, got: {refused}");
        Assert.Contains(first.DataDirectory, startup.Message);
        Assert.Contains($"pid {Environment.ProcessId}", startup.Message);

        // The first host's live call is still live in the records (not ended service_restart by the second).
        var page = await first.Http().GetFromJsonAsync<RecordsPage>("/v1/records", ServiceHost.Json);
        var record = Assert.Single(page!.Records, r => r.CallId == live);
        Assert.Equal("accepted", record.State);
        Assert.Null(record.EndReason);
    }

    [SqliteOnlyFact("the modes of calls.db, its WAL and the generated key files")]
    public async Task DataFiles_AreOwnerOnly()
    {
        using var host = new ServiceHost(withApiKey: false); // generates the dev key and every signing key
        var devKey = await File.ReadAllTextAsync(Path.Combine(host.DataDirectory, "dev-api-key"));
        Assert.Equal(HttpStatusCode.Created, (await host.Http(devKey.Trim()).PostAsJsonAsync("/v1/calls", Direct("alice", "bob"))).StatusCode);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(host.DataDirectory));
        var files = Directory.GetFiles(host.DataDirectory).Select(Path.GetFileName).ToHashSet();
        Assert.Superset(new HashSet<string?> { "calls.db", "calls.db-wal", "calls.db-shm", "dev-api-key", "push-key", "play-key", "token-signing-key", "lock" }, files);
        foreach (var file in files)
        {
            var mode = File.GetUnixFileMode(Path.Combine(host.DataDirectory, file!));
            Assert.True(mode == (UnixFileMode.UserRead | UnixFileMode.UserWrite), $"{file} is {mode}");
        }
    }

    private static IEnumerable<Exception> Flatten(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            yield return x;
            if (x is AggregateException a)
                foreach (var inner in a.InnerExceptions.SelectMany(Flatten)) yield return inner;
        }
    }
}

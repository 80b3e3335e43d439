using System.Net.Http.Json;
using System.Text.Json.Nodes;
using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests;

/// <summary>
/// Start-up as a user meets it, with the real process: one process per data directory, one clear line when the start
/// cannot go on, and the app's own appsettings.json wherever it is started from.
/// </summary>
public sealed class StartupEndToEndTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    /// <summary>One line on stderr, no stack trace, no runtime crash report.</summary>
    private static string AssertOneLineFailure(ProcessResult run)
    {
        Assert.True(run.ExitCode == 1, $"exit code {run.ExitCode}\nstdout:\n{run.StandardOutput}\nstderr:\n{run.StandardError}");
        var lines = run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith("CallService did not start: ", line);
        Assert.DoesNotContain("Unhandled exception", run.StandardOutput + run.StandardError);
        Assert.DoesNotContain("   at ", run.StandardOutput + run.StandardError);
        return line;
    }

    [Fact]
    public async Task SecondProcess_OnTheSameDataDirectory_ExitsAtOnce_AndLeavesTheFirstOnesCallsAlone()
    {
        await using var first = await ServiceProcess.StartAsync();
        var call = await first.CreateDirectCallAsync("ivy", "jack");
        var callId = call["callId"]!.GetValue<string>();

        var second = await ServiceRun.UntilExitAsync(
            new Dictionary<string, string> { ["Storage:DataDirectory"] = first.DataDirectory }, first.DataDirectory, ExitTimeout);

        var line = AssertOneLineFailure(second);
        Assert.Contains(first.DataDirectory, line);
        Assert.Contains("in use by another CallService process", line);
        Assert.Matches(@"held by pid \d+ on ", line);

        // The first process's call is still live, in memory and in the records.
        var records = await first.Http.GetFromJsonAsync<JsonObject>("/v1/records");
        var record = records!["records"]!.AsArray().Single(r => r!["callId"]!.GetValue<string>() == callId)!;
        Assert.Equal("accepted", record["state"]!.GetValue<string>());
        Assert.Null(record["endReason"]?.GetValue<string>());
        Assert.Equal("accepted", (await first.Http.GetFromJsonAsync<JsonObject>($"/v1/calls/{callId}"))!["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task SecondProcess_OnTheSameRtmpPort_ExitsWithOneLine_InsteadOfSharingThePort()
    {
        await using var first = await ServiceProcess.StartAsync();
        var data = Directory.CreateTempSubdirectory("callservice-e2e-second-").FullName;
        try
        {
            var second = await ServiceRun.UntilExitAsync(new Dictionary<string, string>
            {
                ["Storage:DataDirectory"] = data, ["Media:Rtmp:Port"] = first.RtmpPort.ToString(),
            }, data, ExitTimeout);

            var line = AssertOneLineFailure(second);
            Assert.Contains($"RTMP listener to 127.0.0.1:{first.RtmpPort}: address already in use", line);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task DataDirectoryThatCannotExist_ExitsWithOneLineNamingIt()
    {
        var root = Directory.CreateTempSubdirectory("callservice-e2e-bad-").FullName;
        try
        {
            var file = Path.Combine(root, "not-a-directory");
            await File.WriteAllTextAsync(file, "");
            var data = Path.Combine(file, "data"); // under a regular file: cannot be created, even by root

            var run = await ServiceRun.UntilExitAsync(new Dictionary<string, string> { ["Storage:DataDirectory"] = data }, root, ExitTimeout);

            var line = AssertOneLineFailure(run);
            Assert.Contains(data, line);
            Assert.Contains("Storage:DataDirectory", line);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task StartedFromAnotherDirectory_UsesItsOwnAppSettings_SoRequestsAreNotLoggedAtInformation()
    {
        // ServiceProcess starts the service with a temporary working directory (not the app's directory), as a user
        // who runs it from the repository root does. appsettings.json sets Microsoft.AspNetCore to Warning.
        await using var service = await ServiceProcess.StartAsync();
        var callId = (await service.CreateDirectCallAsync("kim", "lou"))["callId"]!.GetValue<string>();
        for (var i = 0; i < 5; i++)
            (await service.Http.GetAsync($"/v1/calls/{callId}")).EnsureSuccessStatusCode();

        // The coordinator's own Information lines still appear (logging works), the framework's per-request ones do not.
        for (var i = 0; i < 100 && !service.Output.Contains($"Call {callId} created"); i++)
            await Task.Delay(50);
        Assert.Contains($"Call {callId} created", service.Output);
        Assert.DoesNotContain("Executing endpoint", service.Output);
        Assert.DoesNotContain("Microsoft.AspNetCore.Routing", service.Output);
    }
}

using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CallService.Tests.Support;
using EndToEnd.Tests.Infrastructure;
using TestSupport.Storage;

namespace EndToEnd.Tests;

/// <summary>
/// <c>Startup:WarmUpLifecycles</c> with the real process: the warm-up's lifecycles run on a throwaway node before the
/// node opens its ports, and nothing of them reaches the node — no record, no webhook, no folder left behind.
/// </summary>
public sealed class StartupWarmUpEndToEndTests
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    [Fact]
    public async Task WarmUp_RunsItsLifecyclesOnAThrowawayNode_AndLeavesNoRecordWebhookOrFolder()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        // The process's own TMPDIR: other tests' warm-ups (running beside this one) make and delete folders in /tmp.
        var temp = Directory.CreateTempSubdirectory("callservice-e2e-tmp-").FullName;
        await using var service = await ServiceProcess.StartAsync(settings: new Dictionary<string, string>
        {
            ["TMPDIR"] = temp,
            ["Startup:WarmUpLifecycles"] = "12",
            ["Webhooks:Endpoints:0:Url"] = receiver.Url,
            ["Webhooks:Endpoints:0:Secret"] = Secret,
            ["Webhooks:PollIntervalSeconds"] = "0.2",
        });

        var line = Regex.Match(service.Output, @"Warm-up: (\d+) call lifecycles on a throwaway node in \d+ ms \((\d+) methods compiled");
        Assert.True(line.Success, service.Output);
        Assert.Equal("12", line.Groups[1].Value);
        Assert.True(int.Parse(line.Groups[2].Value) > 100, line.Value); // the lifecycle's code was compiled meanwhile
        Assert.DoesNotContain("Warm-up given up", service.Output);
        Assert.Empty(Directory.GetDirectories(temp, "callservice-warm-up-*")); // its data directory is gone
        Directory.Delete(temp, recursive: true);

        var records = await service.Http.GetFromJsonAsync<JsonObject>("/v1/records");
        Assert.Empty(records!["records"]!.AsArray());

        // The node's own first call is the only one its backend hears about.
        var callId = (await service.CreateDirectCallAsync("mia", "noah"))["callId"]!.GetValue<string>();
        await service.HangUpAsync(callId);
        var delivered = await receiver.WaitForAsync(d => d.Any(r => r.Type == "call.ended"), TimeSpan.FromSeconds(30));
        Assert.Equal(["call.created", "call.accepted", "call.ended"], delivered.Select(r => r.Type));
        Assert.All(delivered, r => Assert.Equal(callId, r.Data.GetProperty("callId").GetString()));
        records = await service.Http.GetFromJsonAsync<JsonObject>("/v1/records");
        Assert.Equal([callId], records!["records"]!.AsArray().Select(r => r!["callId"]!.GetValue<string>()));
    }

    [Fact]
    public async Task WarmUp_Unset_RunsTheDefault1000Lifecycles_InProduction_OnEitherStore()
    {
        // An empty value is "unset" (the launcher's own default for the tests is 0). The node's store is the pass's:
        // SQLite, and PostgreSQL in the PostgreSQL pass (where the warm-up writes to a throwaway schema of the node's
        // database: Cluster/ClusterWarmUpTests).
        await using var service = await ServiceProcess.StartAsync(settings: new Dictionary<string, string>
        {
            ["Startup:WarmUpLifecycles"] = "",
        });

        var line = Regex.Match(service.Output, @"Warm-up: (\d+) call lifecycles on a throwaway node in \d+ ms \([^;]+; on (SQLite|PostgreSQL)");
        Assert.True(line.Success, service.Output);
        Assert.Equal("1000", line.Groups[1].Value);
        Assert.Equal(TestStorage.IsPostgres ? "PostgreSQL" : "SQLite", line.Groups[2].Value); // the node's own store's code is warmed
        Assert.Equal(!TestStorage.IsPostgres, File.Exists(Path.Combine(service.DataDirectory, "calls.db"))); // the pass's store
        var records = await service.Http.GetFromJsonAsync<JsonObject>("/v1/records");
        Assert.Empty(records!["records"]!.AsArray());
    }

    [Fact]
    public async Task WarmUp_Unset_IsOff_InDevelopment()
    {
        await using var service = await ServiceProcess.StartAsync(settings: new Dictionary<string, string>
        {
            ["Startup:WarmUpLifecycles"] = "", ["ASPNETCORE_ENVIRONMENT"] = "Development", ["DOTNET_ENVIRONMENT"] = "Development",
        });

        Assert.DoesNotContain("Warm-up", service.Output);
        var health = await service.Http.GetAsync("/healthz");
        Assert.True(health.IsSuccessStatusCode, $"{(int)health.StatusCode}");
    }

    [Fact]
    public async Task ASigtermDuringTheWarmUp_EndsTheProcess_BeforeTheNodeOpensItsPorts_AndLeavesNoFolder()
    {
        var data = Directory.CreateTempSubdirectory("callservice-e2e-warm-up-").FullName;
        var temp = Directory.CreateTempSubdirectory("callservice-e2e-tmp-").FullName; // the process's own TMPDIR
        var httpPort = FreePort.Next();
        try
        {
            var info = TestSupport.CallServiceLaunch.StartInfo(httpPort, FreePort.Next(), data, new Dictionary<string, string>
            {
                ["Storage:DataDirectory"] = data, ["Auth:ApiKeys:0"] = ServiceProcess.ApiKey, ["Startup:WarmUpLifecycles"] = "10000",
                ["TMPDIR"] = temp,
            });
            using var process = System.Diagnostics.Process.Start(info)!;
            var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            // The warm-up's folder exists once its signal handling is in place: then it is inside the warm-up.
            for (var i = 0; i < 600 && !process.HasExited && Directory.GetDirectories(temp, "callservice-warm-up-*").Length == 0; i++)
                await Task.Delay(100);
            Assert.NotEmpty(Directory.GetDirectories(temp, "callservice-warm-up-*"));

            using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
                await kill.WaitForExitAsync();
            var exited = process.WaitForExitAsync();
            var ended = await Task.WhenAny(exited, Task.Delay(TimeSpan.FromSeconds(30))) == exited;
            if (!ended) process.Kill();

            Assert.True(ended, "the process was still running 30 s after SIGTERM");
            Assert.Equal(0, process.ExitCode);
            Assert.Contains(output, l => l.StartsWith("Warm-up stopped after ", StringComparison.Ordinal) && l.EndsWith("by a stop signal; the node does not start", StringComparison.Ordinal));
            Assert.Empty(Directory.GetDirectories(temp, "callservice-warm-up-*")); // the throwaway node's folder is gone
            using var probe = new System.Net.Sockets.TcpClient();
            await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => probe.ConnectAsync(System.Net.IPAddress.Loopback, httpPort));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
            Directory.Delete(temp, recursive: true);
        }
    }

    [Fact]
    public async Task WarmUpLifecycles_OutOfRange_StopsTheStartWithOneLineNamingTheKey()
    {
        var data = Directory.CreateTempSubdirectory("callservice-e2e-warm-up-").FullName;
        try
        {
            var run = await ServiceRun.UntilExitAsync(new Dictionary<string, string>
            {
                ["Storage:DataDirectory"] = data, ["Startup:WarmUpLifecycles"] = "10001",
            }, data, TimeSpan.FromSeconds(30));

            Assert.Equal(1, run.ExitCode);
            var line = Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal("CallService did not start: Startup:WarmUpLifecycles must be a whole number from 0 to 10000 (got '10001').", line);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}

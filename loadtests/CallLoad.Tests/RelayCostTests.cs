using CallLoad.Measuring;
using CallLoad.Reporting;
using CallLoad.Scenarios;
using CallLoad.Targets;

namespace CallLoad.Tests;

public sealed class RelayCostTests
{
    /// <summary>strace 6.1's <c>-c</c> table, as written with <c>-o</c> (the errors column is empty for most rows).</summary>
    private const string StraceTable = """
        % time     seconds  usecs/call     calls    errors syscall
        ------ ----------- ----------- --------- --------- ----------------
         61.32    0.412345          12     35436           ioctl
         20.00    0.134000           2     53050      9120 futex
         10.10    0.067800           2     33428     16000 recvfrom
          8.58    0.057600           3     17091           sendmsg
        ------ ----------- ----------- --------- --------- ----------------
        100.00    0.671745           4    139005     25120 total
        """;

    [Fact]
    public void SyscallCounts_Parse_ReadsEveryRowMostCalledFirstWithoutTheTotal()
    {
        var rows = SyscallCounts.Parse(StraceTable);

        Assert.Equal(["futex", "ioctl", "recvfrom", "sendmsg"], rows.Select(r => r.Name));
        Assert.Equal(new SyscallCount("futex", 53050, 9120), rows[0]);
        Assert.Equal(new SyscallCount("ioctl", 35436, 0), rows[1]);
        Assert.Equal(139005, rows.Sum(r => r.Calls));
    }

    [Theory]
    [InlineData("")]
    [InlineData("strace: attach: ptrace(PTRACE_SEIZE, 1): Operation not permitted")]
    public void SyscallCounts_Parse_NoTableGivesNoRows(string text) => Assert.Empty(SyscallCounts.Parse(text));

    [Fact]
    public void ContextSwitches_Parse_AddsVoluntaryAndInvoluntary()
    {
        const string status = "Name:\t.NET TP Worker\nState:\tS (sleeping)\nvoluntary_ctxt_switches:\t1200\nnonvoluntary_ctxt_switches:\t34\n";
        Assert.Equal(1234, ContextSwitches.Parse(status));
        Assert.Equal(0, ContextSwitches.Parse("Name:\tx\n"));
    }

    [Fact]
    public void Ratios_AreOursOverNginx_AndMissingWhenATargetIsMissing()
    {
        var result = new RelayCostResult
        {
            Calls = 25,
            Targets =
            [
                Target("callservice", cpuMsPerMbit: 2.7, p99: 1.2, rss: 130, syscalls: 8.2),
                Target("nginx-rtmp", cpuMsPerMbit: 0.9, p99: 0.6, rss: 13, syscalls: 2.05),
            ],
        };
        Assert.Equal(3.0, result.Ratios["cpuPerMbit"]);
        Assert.Equal(2.0, result.Ratios["latencyP99"]);
        Assert.Equal(10.0, result.Ratios["rss"]);
        Assert.Equal(4.0, result.Ratios["syscallsPerMessage"]);

        var alone = result with { Targets = [result.Targets[0]] };
        Assert.Null(alone.Ratios["cpuPerMbit"]);
    }

    [Fact]
    public void Ratios_OverSeveralRounds_AreTheMedianOfThePerRoundRatios()
    {
        var result = new RelayCostResult
        {
            Calls = 25,
            Rounds = 3,
            Targets =
            [
                Target("callservice", cpuMsPerMbit: 3, p99: 1, rss: 120, syscalls: 8),
                Target("nginx-rtmp", cpuMsPerMbit: 1, p99: 1, rss: 12, syscalls: 2),
                Target("callservice", cpuMsPerMbit: 10, p99: 1, rss: 130, syscalls: 8),
                Target("nginx-rtmp", cpuMsPerMbit: 2, p99: 1, rss: 13, syscalls: 2),
                Target("callservice", cpuMsPerMbit: 2, p99: 1, rss: 125, syscalls: 8),
                Target("nginx-rtmp", cpuMsPerMbit: 1, p99: 1, rss: 13, syscalls: 2),
            ],
        };
        Assert.Equal(3.0, result.Ratios["cpuPerMbit"]); // per round 3, 5, 2
        Assert.Equal(3.0, result.MedianOf("callservice", t => t.CpuMsPerMbit));
        Assert.Equal(125, result.MedianOf("callservice", t => t.RssMiB));
        Assert.Equal("nginx-rtmp #2", result.Label(3));
        Assert.Equal("callservice", (result with { Rounds = 1 }).Label(0));
    }

    [Fact]
    public void Options_FromTheCommandLine_AreBounded()
    {
        var options = Cli.RelayCostOptions(calls: 10_000, durationSeconds: 0, warmupSeconds: -5, syscallSeconds: 999, CostViewers.Both, rounds: 50);
        Assert.Equal(200, options.Calls);
        Assert.Equal(TimeSpan.FromSeconds(2), options.Duration);
        Assert.Equal(TimeSpan.Zero, options.Warmup);
        Assert.Equal(TimeSpan.FromSeconds(60), options.SyscallWindow);
        Assert.Equal(CostViewers.Both, options.Viewers);
        Assert.Equal(10, options.Rounds);

        var defaults = new RelayCostOptions();
        Assert.Equal(25, defaults.Calls);
        Assert.Equal(TimeSpan.FromSeconds(10), defaults.Warmup);
    }

    [Fact]
    public void EnvironmentPairs_SplitAtTheFirstEquals_AndRefuseAPairWithoutOne()
    {
        var pairs = Cli.EnvironmentPairs(["DOTNET_gcServer=0", "A=b=c"]);
        Assert.Equal("0", pairs["DOTNET_gcServer"]);
        Assert.Equal("b=c", pairs["A"]);
        Assert.Throws<ArgumentException>(() => Cli.EnvironmentPairs(["DOTNET_gcServer"]));
        Assert.Throws<ArgumentException>(() => Cli.EnvironmentPairs(["=1"]));
    }

    [Fact]
    public void RelayMode_Process_SetsMediaModeAndTheExecutable_InprocessAddsNothing_OtherModesAreRefused()
    {
        var process = Cli.RelayModeEnvironment(new Dictionary<string, string> { ["A"] = "1" }, "process", "relay/CallMedia.Relay");
        Assert.Equal("process", process["Media__Mode"]);
        Assert.Equal(Path.GetFullPath("relay/CallMedia.Relay"), process["Media__RelayExecutable"]);
        Assert.Equal("1", process["A"]);
        Assert.Equal(["A"], Cli.RelayModeEnvironment(new Dictionary<string, string> { ["A"] = "1" }, "inprocess", null).Keys);
        Assert.False(Cli.RelayModeEnvironment([], "process", null).ContainsKey("Media__RelayExecutable"));
        Assert.Throws<ArgumentException>(() => Cli.RelayModeEnvironment([], "sidecar", null));
    }

    [Fact]
    public void MarkdownReport_GivesTheRelayCostTargetsWithVerdicts()
    {
        var run = new BenchmarkRun
        {
            Machine = new MachineInfo("cpu", 2, 4, "linux", ".NET 10", "nginx/1.22.1"),
            Command = "all",
            Media = "test media",
            RelayCost = new RelayCostResult
            {
                Calls = 25,
                WarmupSeconds = 10,
                Targets =
                [
                    Target("callservice", cpuMsPerMbit: 0.8, p99: 1.3, rss: 60, syscalls: 3),
                    Target("nginx-rtmp", cpuMsPerMbit: 1, p99: 1, rss: 13, syscalls: 2),
                ],
            },
        };
        var md = MarkdownReport.Render(run, "benchmarks.json");
        Assert.Contains("| relay-cost at 25 calls: server CPU per delivered Mbit ≤ nginx | 0.8 ms | 1 ms | 0.80 | pass |", md);
        Assert.Contains("| relay-cost at 25 calls: relay latency p99 ≤ nginx + 0.5 ms | 1.3 ms | 1 ms | 1.30 | pass |", md);
        Assert.Contains("| relay-cost at 25 calls: server RSS ≤ 64 MiB | 60 MiB | 13 MiB | 4.62 | pass |", md);
        Assert.Contains("| syscalls per delivered message (strace window) | 3 | 2 | 1.5 |", md);
    }

    /// <summary>The suite's smoke run of relay-cost: one call on nginx-rtmp, a short untraced window, then strace.</summary>
    [NginxFact]
    public async Task MeasureAsync_OneCallOnNginx_GivesCpuRssAndSyscallsPerMessage()
    {
        await using var target = await NginxTarget.StartAsync(Path.Combine(AppContext.BaseDirectory, "nginx", "nginx-rtmp.conf"));
        var file = await CallLoadRunner.LoadMediaAsync();
        var options = new RelayCostOptions
        {
            Calls = 1,
            Warmup = TimeSpan.FromSeconds(1),
            Duration = TimeSpan.FromSeconds(2),
            SyscallWindow = SyscallCounts.IsInstalled ? TimeSpan.FromSeconds(1) : TimeSpan.Zero,
        };

        var result = await RelayCostScenario.MeasureAsync(target, file, options, new RunStatus(), CancellationToken.None);

        Assert.Empty(result.Errors);
        Assert.Equal("nginx-rtmp", result.Target);
        Assert.True(result.Window.RelayedMbit > 0, "viewers received media");
        Assert.Equal(0, result.Window.Lost);
        Assert.True(result.RssMiB > 0 && result.HwmMiB >= result.RssMiB, $"VmRSS {result.RssMiB}, VmHWM {result.HwmMiB}");
        Assert.True(result.CpuMsPerMbit >= 0);
        if (SyscallCounts.IsInstalled)
        {
            var syscalls = Assert.IsType<SyscallWindowResult>(result.Syscalls);
            Assert.True(syscalls.DeliveredMessages > 0 && syscalls.Syscalls > 0, $"{syscalls.Syscalls} syscalls, {syscalls.DeliveredMessages} messages");
            Assert.Contains(syscalls.Top, c => c.Name is "sendto" or "sendmsg" or "writev");
        }
    }

    private static RelayCostTargetResult Target(string name, double cpuMsPerMbit, double p99, double rss, double syscalls) => new()
    {
        Target = name,
        Window = new RelayLatencyResult { Target = name, All = new Summary(100, 0.3, 0.2, 0.5, p99, p99 + 1) },
        CpuMsPerMbit = cpuMsPerMbit,
        RssMiB = rss,
        Syscalls = new SyscallWindowResult { PerDeliveredMessage = syscalls },
    };
}

using CallLoad.Ceiling;
using CallLoad.Measuring;
using CallLoad.Scenarios;
using CallLoad.Targets;
using RtmpTestClient.Servers;

namespace CallLoad.Tests;

/// <summary>The generator's own figures (CPU, start lag, saturation), CPU pinning, node spread and the target options of <c>signaling</c>.</summary>
public sealed class SignalingHonestyTests
{
    [Fact]
    public void Generator_BelowBothBounds_IsNotSaturated()
    {
        var load = GeneratorLoad.Of(cpuSeconds: 5, wallSeconds: 10, cores: 2, lagMs: [0.1, 0.5, 2, 3]);
        Assert.False(load.Saturated);
        Assert.Equal(0.25, load.CpuShare);
        Assert.Equal("", load.Reason);
    }

    [Fact]
    public void Generator_UsingNinetyPercentOfItsCores_IsSaturated()
    {
        var load = GeneratorLoad.Of(cpuSeconds: 9.5, wallSeconds: 10, cores: 1, lagMs: [1]);
        Assert.True(load.Saturated);
        Assert.Contains("95 % of its 1 core", load.Reason);
    }

    [Fact]
    public void Generator_BehindItsSchedule_IsSaturated()
    {
        var lag = Enumerable.Repeat(1.0, 90).Concat(Enumerable.Repeat(80.0, 10)).ToArray();
        var load = GeneratorLoad.Of(cpuSeconds: 1, wallSeconds: 10, cores: 2, lagMs: lag);
        Assert.True(load.Saturated);
        Assert.Equal(80, load.ScheduleLag.P99);
        Assert.Contains("behind by 80 ms", load.Reason);
    }

    [Theory]
    [InlineData("0-1", new[] { 0 }, new[] { 1 })]
    [InlineData("0-3", new[] { 0, 1 }, new[] { 2, 3 })]
    [InlineData("2,5-6", new[] { 2 }, new[] { 5, 6 })]
    public void Pinning_SplitsTheAllowedCpusInTwoHalves(string list, int[] server, int[] generator)
    {
        var pinning = CpuPinning.Split(CpuPinning.ParseCpuList(list));
        Assert.NotNull(pinning);
        Assert.Equal(server, pinning.ServerCpus);
        Assert.Equal(generator, pinning.GeneratorCpus);
    }

    [Fact]
    public void Pinning_OnOneCpu_IsNotPossible() => Assert.Null(CpuPinning.Split(CpuPinning.ParseCpuList("3")));

    [Fact]
    public void NodeSpread_TwoNodes_BalancesPartiesAndSplitsHalfThePairs()
    {
        var pairs = Enumerable.Range(0, 100).Select(k => (A: NodeSpread.NodeOfA(k, 2), B: NodeSpread.NodeOfB(k, 2))).ToArray();
        Assert.Equal(100, pairs.Count(p => p.A == 0) + pairs.Count(p => p.B == 0)); // 100 of 200 parties on node 0
        Assert.Equal(50, pairs.Count(p => p.A != p.B));
        Assert.All(Enumerable.Range(0, 10), k => Assert.Equal((0, 0), (NodeSpread.NodeOfA(k, 1), NodeSpread.NodeOfB(k, 1))));
    }

    [Fact]
    public void MachineLoad_BusySeconds_LeavesOutIdleAndIowait() =>
        // user nice system idle iowait irq softirq steal (USER_HZ = 100)
        Assert.Equal(1.0 + 0.5 + 2.0 + 0.1 + 0.2 + 0.3, MachineLoad.ParseBusySeconds("cpu  100 50 200 9999 777 10 20 30 0 0"), 6);

    [Theory]
    [InlineData("sqlite", 2)]
    [InlineData("mysql", 1)]
    public async Task Nodes_RefuseSeveralSqliteNodesAndUnknownProviders(string provider, int count) =>
        await Assert.ThrowsAsync<ArgumentException>(() => SignalingNodes.StartAsync(new SignalingNodesSpec { Provider = provider, Nodes = count }));

    [Fact]
    public async Task Signaling_ReportsTheGeneratorsOwnCpuAndStartLag()
    {
        var (target, stopAsync) = await CeilingInThisProcessAsync();

        var result = await SignalingScenario.RunAsync(target,
            new SignalingOptions { Rate = 20, Duration = TimeSpan.FromSeconds(2), WarmupLifecycles = 2, GeneratorCores = 2, Pinning = "test" },
            new RunStatus(), CancellationToken.None);
        await stopAsync();

        Assert.Empty(result.Errors);
        Assert.Equal(0, result.LostEvents);
        Assert.True(result.Generator.CpuSeconds > 0, "generator CPU read from /proc/self/stat");
        Assert.Equal(2, result.Generator.Cores);
        // One start per 50 ms for 2 s: 40 scheduled; a starved machine gets fewer into the window, never more.
        Assert.InRange(result.Generator.ScheduleLag.Count, 1, 45);
        Assert.True(result.CpuMsPerLifecycle > 0 && result.RssStartMiB > 0 && result.RssEndMiB > 0, "server measured from /proc");
        Assert.Equal(result.Generator.Saturated, result.GeneratorSaturated);
        Assert.Equal("test", result.Pinning);
        // The timeline's slices carry the generator's own CPU share too. One slice (the 2 s window is shorter than a
        // slice) spans the window, so its share is the window's: CPU ÷ its wall time (2 s) ÷ its 2 cores. A share not
        // divided by the wall time or by the cores would be twice that.
        var slice = Assert.Single(result.Timeline);
        Assert.True(slice.GeneratorCpuShare > 0, "generator CPU per slice read from /proc/self/stat");
        Assert.InRange(slice.GeneratorCpuShare, result.Generator.CpuShare * 0.6, result.Generator.CpuShare * 1.5 + 0.02);
    }

    [Theory]
    [InlineData(0.89, false)]
    [InlineData(0.90, true)]
    [InlineData(1.20, true)]
    public void TimelineSlice_AtNinetyPercentOfTheGeneratorsCores_IsMarkedSaturated(double share, bool saturated) =>
        Assert.Equal(saturated, new TimelineSlice(2, 2000, 20, 60, 0.9, 250, share).GeneratorSaturated);

    [Fact]
    public async Task GeneratorWarmup_RunsLifecyclesAgainstTheCeilingForItsDuration_AndNoneWhenZero()
    {
        var (target, stopAsync) = await CeilingInThisProcessAsync();

        var warmed = await SignalingScenario.WarmGeneratorAsync(target,
            new SignalingOptions { Rate = 20, PartyPool = 4, GeneratorWarmup = TimeSpan.FromSeconds(1) }, new RunStatus(), CancellationToken.None);
        // Nothing listens here: a warm-up of zero must not touch its target (setting up its pool there would throw).
        var skipped = await SignalingScenario.WarmGeneratorAsync(new OwnProcessTarget(new Uri("http://127.0.0.1:9/")),
            new SignalingOptions { Rate = 20, PartyPool = 2, GeneratorWarmup = TimeSpan.Zero }, new RunStatus(), CancellationToken.None);
        await stopAsync();

        // 20/s (the rate caps the warm-up's 300/s) for 1 s: about 20 lifecycles, never the warm-up rate's 300.
        Assert.InRange(warmed.Completed, 5, 25);
        Assert.Equal(0, warmed.Failed);
        Assert.Equal((0, 0), skipped);
    }

    [Fact]
    public async Task PostgresProvider_StartsAThrowawayClusterAndANodeOnIt_AndLifecyclesComplete()
    {
        await using var nodes = await SignalingNodes.StartAsync(new SignalingNodesSpec { Provider = "postgres", Nodes = 1 });
        Assert.Equal("postgres", ((ISignalingTarget)nodes).Provider);
        Assert.Single(((ISignalingTarget)nodes).NodeUrls);
        Assert.NotEmpty(((ISignalingTarget)nodes).DatabaseProcessIds()); // the postmaster and its children, sampled apart

        // A low rate: the point is the wiring (shared keys, connection string, node id), not the throughput.
        var result = await SignalingScenario.RunAsync(nodes,
            new SignalingOptions { Rate = 2, Duration = TimeSpan.FromSeconds(2), PartyPool = 2, WarmupLifecycles = 1, WarmupDuration = TimeSpan.Zero },
            new RunStatus(), CancellationToken.None);

        Assert.Empty(result.Errors);
        Assert.InRange(result.Completed, 1, 10); // 2/s for 2 s: 4–6 starts by where the window's edges fall, never dozens
        Assert.Equal(("postgres", 1), (result.Provider, result.Nodes));
        Assert.Equal(3 * result.Completed, result.Events.Count);
    }

    /// <summary>Serves the ceiling in this test process on a free loopback port; the function stops it.</summary>
    private static async Task<(OwnProcessTarget Target, Func<Task> StopAsync)> CeilingInThisProcessAsync()
    {
        var port = ProcessTools.FreeTcpPort();
        var stop = new CancellationTokenSource();
        var server = CeilingServer.RunAsync(port, stop.Token);
        await ProcessTools.WaitForPortAsync(port, TimeSpan.FromSeconds(10));
        return (new OwnProcessTarget(new Uri($"http://127.0.0.1:{port}/")), async () =>
        {
            await stop.CancelAsync();
            await server;
            stop.Dispose();
        });
    }

    /// <summary>The ceiling served in this test process, which is then also the "server" process measured.</summary>
    private sealed record OwnProcessTarget(Uri BaseUrl) : ISignalingTarget
    {
        public string Name => "ceiling";
        public string ApiKey => CeilingServer.ApiKey;
        public int? ProcessId => Environment.ProcessId;
    }
}

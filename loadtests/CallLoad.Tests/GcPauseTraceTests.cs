using System.Diagnostics;
using CallLoad.Measuring;

namespace CallLoad.Tests;

/// <summary><see cref="GcPauseTrace"/> on a real runtime (this test process), and how pauses of several nodes add up.</summary>
public sealed class GcPauseTraceTests
{
    [Fact]
    public async Task CollectionsForcedWhileTraced_AreSeenWithTheirGeneration_AndAPause()
    {
        var trace = GcPauseTrace.TryStart(Environment.ProcessId);
        Assert.NotNull(trace);
        await using (trace)
        {
            await Task.Delay(200); // the session's first buffer
            for (var i = 0; i < 3; i++)
                GC.Collect(0, GCCollectionMode.Forced, blocking: true);
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            var pauses = await trace.StopAsync();

            // Other tests of this process may collect as well: at least our four are there. The runtime may condemn
            // more generations than asked (a gen0 request collected as gen1 or gen2), never fewer.
            Assert.True(pauses.Count >= 4, string.Join(", ", pauses));
            Assert.Contains(pauses, p => p.Generation == 2);
            Assert.All(pauses, p => Assert.InRange(p.Generation, 0, 2));
            Assert.All(pauses, p => Assert.InRange(p.PauseMs, 0.0, 60_000.0));
            Assert.Contains(pauses, p => p.PauseMs > 0);

            // A blocking collection's pause is split into its phases, in order, adding up to the pause.
            var full = pauses.Last(p => p.Generation == 2);
            Assert.Equal(["suspend", "start"], full.Phases.Take(2).Select(f => f.Phase));
            Assert.Contains(full.Phases, f => f.Phase == "stack");
            Assert.Equal(["plan-sweep-compact", "restart"], full.Phases.TakeLast(2).Select(f => f.Phase));
            Assert.Equal(Enumerable.Range(0, full.Phases.Count), full.Phases.Select(f => f.Order));
            Assert.All(full.Phases, f => Assert.True(f.Ms >= 0 && f.Bytes >= 0, f.ToString()));
            Assert.True(full.Phases.Sum(f => f.Bytes) > 0, "a full collection marks this process's live objects");
        }
    }

    [Fact]
    public void AProcessWithoutARuntime_IsNotTraced()
    {
        using var sleep = Process.Start(new ProcessStartInfo("sleep", ["30"]) { UseShellExecute = false })!;
        try
        {
            Assert.Null(GcPauseTrace.TryStart(sleep.Id));
        }
        finally
        {
            sleep.Kill();
        }
    }

    [Fact]
    public void Merge_CountsEachGeneration_WithTheMedianAndLongestOverEveryNode()
    {
        GcPause[] node1 = [Pause(0, 2, 100), Pause(0, 4, 300), new(1, 10, []), new(2, 60, [])];
        GcPause[] node2 = [Pause(0, 6, 200), new(1, 12, [])];

        var merged = GcPauses.Merge([node1, node2]);

        Assert.Equal((3, 12.0, 4.0, 6.0), (merged.Generations[0].Count, merged.Generations[0].TotalMs, merged.Generations[0].P50Ms, merged.Generations[0].MaxMs));
        Assert.Equal((2, 22.0, 12.0, 12.0), (merged.Generations[1].Count, merged.Generations[1].TotalMs, merged.Generations[1].P50Ms, merged.Generations[1].MaxMs)); // median of two: the upper one
        Assert.Equal((1, 60.0, 60.0, 60.0), (merged.Generations[2].Count, merged.Generations[2].TotalMs, merged.Generations[2].P50Ms, merged.Generations[2].MaxMs));
        Assert.Equal(94, merged.TotalMs);
        Assert.Same(GcPauses.None, GcPauses.Merge([[], []]));

        // Phases: the mean per collection of the generation, in the order they run; bytes marked in KiB, median of the collections.
        Assert.Equal(200.0, merged.Generations[0].SurvivedP50KiB);
        Assert.Equal([new GcPhaseMean("suspend", 0.4, 0), new GcPhaseMean("stack", 1.2, 50), new GcPhaseMean("older", 2.4, 150)],
            merged.Generations[0].PhasesMs!);
        Assert.Empty(merged.Generations[1].PhasesMs!);

        // A pause that was not split (a background collection's suspension, a lost event) leaves the means alone.
        var withUnsplit = GcPauses.Merge([[Pause(0, 2, 100), new(0, 50, [])]]);
        Assert.Equal((2, 0.2, 100.0), (withUnsplit.Generations[0].Count, withUnsplit.Generations[0].PhasesMs![0].Ms, withUnsplit.Generations[0].SurvivedP50KiB));
        // Phases whose root kinds differ between pauses come out in the order a pause runs them.
        GcPause background = new(0, 3, [new(0, "suspend", 1, 0), new(1, "background", 1, 0), new(2, "stack", 1, 1024)]);
        Assert.Equal(["suspend", "stack", "background", "older"],
            GcPauses.Merge([[Pause(0, 2, 100), background]]).Generations[0].PhasesMs!.Select(f => f.Phase));
    }

    /// <summary>A gen0-style pause of <paramref name="ms"/>: a tenth suspending, three tenths marking from stacks, the rest from cards; a quarter of <paramref name="kib"/> KiB marked from stacks.</summary>
    private static GcPause Pause(int generation, double ms, int kib) =>
        new(generation, ms, [new(0, "suspend", ms / 10, 0), new(1, "stack", ms * 0.3, kib * 256), new(2, "older", ms * 0.6, kib * 768)]);
}

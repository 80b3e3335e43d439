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
        GcPause[] node1 = [new(0, 2), new(0, 4), new(1, 10), new(2, 60)];
        GcPause[] node2 = [new(0, 6), new(1, 12)];

        var merged = GcPauses.Merge([node1, node2]);

        Assert.Equal(new GcGeneration(3, 12, 4, 6), merged.Generations[0]);
        Assert.Equal(new GcGeneration(2, 22, 12, 12), merged.Generations[1]); // median of two: the upper one
        Assert.Equal(new GcGeneration(1, 60, 60, 60), merged.Generations[2]);
        Assert.Equal(94, merged.TotalMs);
        Assert.Same(GcPauses.None, GcPauses.Merge([[], []]));
    }
}

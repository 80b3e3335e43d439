using CallLoad.Targets;
using RtmpTestClient.Flv;

namespace CallLoad.Scenarios;

/// <summary>Settings of <c>capacity</c>.</summary>
public sealed record CapacityOptions
{
    /// <summary>First number of calls tried.</summary>
    public int Start { get; init; } = 10;
    /// <summary>Increment between steps.</summary>
    public int Step { get; init; } = 10;
    /// <summary>Upper bound (the run is bounded in count).</summary>
    public int MaxCalls { get; init; } = 100;
    /// <summary>Measuring time per step.</summary>
    public TimeSpan StepDuration { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>A step fails when p99 latency exceeds this.</summary>
    public double MaxP99Ms { get; init; } = 50;
}

/// <summary>Result of <c>capacity</c> on one target.</summary>
public sealed record CapacityResult
{
    /// <summary>Target name.</summary>
    public required string Target { get; init; }
    /// <summary>Largest N with p99 ≤ the bound and nothing lost (0 when even the first step failed).</summary>
    public int LastGoodCalls { get; init; }
    /// <summary>Why the first failing step failed, or "max reached".</summary>
    public string StopReason { get; init; } = "";
    /// <summary>Every step run.</summary>
    public List<RelayLatencyResult> Steps { get; init; } = [];
}

/// <summary>Raises the number of concurrent calls until p99 relay latency exceeds 50 ms or messages are lost.</summary>
public static class CapacityScenario
{
    /// <summary>Runs the steps on <paramref name="target"/>.</summary>
    public static async Task<CapacityResult> RunAsync(
        ITarget target, FlvFile file, CapacityOptions options, RunStatus status, CancellationToken cancellationToken)
    {
        var steps = new List<RelayLatencyResult>();
        var lastGood = 0;
        var reason = "max reached";
        for (var calls = options.Start; calls <= options.MaxCalls; calls += options.Step)
        {
            var step = await RelayLatencyScenario.RunAsync(target, file,
                new RelayLatencyOptions { Calls = calls, Duration = options.StepDuration }, status, cancellationToken).ConfigureAwait(false);
            steps.Add(step);
            var failure = step.Errors.Count > 0 ? $"errors at {calls}: {step.Errors[0]}"
                : step.All.Count == 0 ? $"nothing received at {calls}"
                : step.All.P99 > options.MaxP99Ms ? $"p99 {step.All.P99:F1} ms > {options.MaxP99Ms} ms at {calls}"
                : step.Lost > 0 ? $"{step.Lost} messages lost at {calls}"
                : null;
            if (failure is not null)
            {
                reason = failure;
                break;
            }
            lastGood = calls;
        }
        return new CapacityResult { Target = target.Name, LastGoodCalls = lastGood, StopReason = reason, Steps = steps };
    }
}

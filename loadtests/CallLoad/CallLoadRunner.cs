using CallLoad.Scenarios;
using CallLoad.Targets;
using RtmpTestClient.Flv;
using RtmpTestClient.Servers;

namespace CallLoad;

/// <summary>
/// Entry points for code (the smoke test in the test suite) that wants a scenario without the command line:
/// e.g. <c>await CallLoadRunner.RelayLatencyAsync(CallServiceTarget.Attach(url, key), calls: 2, TimeSpan.FromSeconds(3))</c>.
/// </summary>
public static class CallLoadRunner
{
    /// <summary>Loads the test media file, generating it with ffmpeg once.</summary>
    public static async Task<FlvFile> LoadMediaAsync(CancellationToken cancellationToken = default) =>
        FlvFile.Load(await TestMedia.EnsureAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>Runs <c>relay-latency</c> for a short, bounded time against <paramref name="target"/> (not disposed here).</summary>
    public static async Task<RelayLatencyResult> RelayLatencyAsync(
        ITarget target, int calls, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var file = await LoadMediaAsync(cancellationToken).ConfigureAwait(false);
        var options = new RelayLatencyOptions { Calls = calls, Duration = duration };
        return await RelayLatencyScenario.RunAsync(target, file, options, new RunStatus(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The smoke test's one call: <c>relay-latency --calls <paramref name="calls"/></c> for <paramref name="duration"/>
    /// against a CallService a test already started on loopback (HTTP base URL + API key). Bounded: ≈ 2 s setup +
    /// 3 s warm-up + <paramref name="duration"/>.
    /// </summary>
    public static async Task<RelayLatencyResult> RelayLatencyAgainstServiceAsync(
        Uri httpBaseUrl, string apiKey, int calls = 2, TimeSpan? duration = null, int? processId = null,
        CancellationToken cancellationToken = default)
    {
        await using var target = CallServiceTarget.Attach(httpBaseUrl, apiKey, processId);
        return await RelayLatencyAsync(target, calls, duration ?? TimeSpan.FromSeconds(3), cancellationToken).ConfigureAwait(false);
    }
}
